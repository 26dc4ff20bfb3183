// Tests of Vfs.IO: a record of what each step of a usage did -- its result, or the exception it threw -- in a form
// two file systems can be compared by: the run's root directory is written "~", lists are sorted (directory order
// differs between file systems), and an IOException shows its HResult (the errno, as System.IO sets it on Linux).
using System.Collections;
using System.Text;

namespace UnixVfs.IO.Tests;

public sealed class Outcomes(string root)
{
    public List<string> Lines { get; } = [];

    public void Do(string step, Func<object?> f)
    {
        try
        {
            Lines.Add($"{step} = {Show(f())}");
        }
        catch (Exception e)
        {
            Lines.Add($"{step} ! {Describe(e)}");
        }
    }

    public void Do(string step, Action a) => Do(step, () =>
    {
        a();
        return "ok";
    });

    public static string Describe(Exception e) =>
        e.GetType() == typeof(IOException) ? $"IOException({e.HResult})" : e.GetType().Name;

    private string Show(object? o) => o switch
    {
        null => "null",
        string s => Strip(s),
        byte[] b => Convert.ToHexString(b),
        IFileSystemInfo i => $"{i.GetType().GetInterfaces().First(t => t == typeof(IFileInfo) || t == typeof(IDirectoryInfo)).Name}({Strip(i.FullName)})",
        DateTime t => t.ToUniversalTime().ToString("O"),
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Show).Order(StringComparer.Ordinal)) + "]",
        _ => o.ToString() ?? "",
    };

    private string Strip(string s) => s.Replace(root, "~", StringComparison.Ordinal);

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var l in Lines)
            sb.AppendLine(l);
        return sb.ToString();
    }
}
