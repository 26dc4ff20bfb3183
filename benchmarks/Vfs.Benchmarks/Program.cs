// Vfs.Benchmarks: the entry point. Every benchmark class in this assembly is offered to
// BenchmarkSwitcher, so one command runs any subset:
//     dotnet run -c Release --project benchmarks/Vfs.Benchmarks -- --filter '*Core*'
using BenchmarkDotNet.Running;

namespace UnixVfs.Benchmarks;

public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
