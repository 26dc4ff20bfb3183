// Vfs.Core.Generators: the one type netstandard2.0 lacks for records and init-only properties. The
// compiler looks it up by name; it does nothing.
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit;
