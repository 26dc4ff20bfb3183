// Vfs.IO: directory enumeration with System.IO's search patterns and EnumerationOptions, over getdents(2).
//
// The overloads that take a pattern or a SearchOption use the "compatible" options (Win32 wildcards, where
// "*.*" is "*"; nothing skipped; failures thrown); those that take EnumerationOptions use them as given
// (the default skips hidden entries -- on Unix, names starting with '.' -- and inaccessible directories).
// Names match case-sensitively, as on Linux. A symbolic link counts as what it points at, and recursion
// does not follow links into directories. Results are the caller's path joined with each name, in the
// order getdents returns them; the enumeration is lazy, as System.IO's is, except that a missing or
// unreadable start directory is reported by the call itself.
using System.IO.Enumeration;

namespace UnixVfs.IO;

internal static class VfsSearch
{
    [Flags]
    internal enum Kinds { Files = 1, Directories = 2, Both = Files | Directories }

    internal static readonly EnumerationOptions Compatible = new()
    {
        MatchType = MatchType.Win32,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
    };

    internal static EnumerationOptions Options(SearchOption option) => option switch
    {
        SearchOption.TopDirectoryOnly => Compatible,
        SearchOption.AllDirectories => new EnumerationOptions { MatchType = MatchType.Win32, AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = true },
        _ => throw new ArgumentOutOfRangeException(nameof(option), "Enum value was out of legal range."),
    };

    /// <summary>One entry found: its path as the caller will see it, and whether it is (or leads to) a directory.</summary>
    internal readonly record struct Found(string Path, bool IsDirectory);

    internal static IEnumerable<Found> Enumerate(VfsFileSystem fs, string path, string searchPattern, EnumerationOptions options, Kinds kinds)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(searchPattern);
        ArgumentNullException.ThrowIfNull(options);
        // A pattern may carry directories ("sub/*.txt"): they extend the path.
        int slash = searchPattern.LastIndexOf('/');
        if (slash >= 0)
        {
            path = System.IO.Path.Join(path, searchPattern[..slash]);
            searchPattern = searchPattern[(slash + 1)..];
        }
        if (options.MatchType == MatchType.Win32 && searchPattern is "*.*" or "")
            searchPattern = "*";
        var first = IOErrors.Call(path, () => fs.Facade.EnumerateEntries(path).GetEnumerator()); // opens the directory now: errors belong to this call
        return Walk(fs, path, first, searchPattern, options, kinds, depth: 0);
    }

    private static IEnumerable<Found> Walk(VfsFileSystem fs, string dir, IEnumerator<Dirent> entries, string pattern,
        EnumerationOptions options, Kinds kinds, int depth)
    {
        var subdirs = new List<string>();
        using (entries)
        {
            while (entries.MoveNext())
            {
                var d = entries.Current;
                string child = System.IO.Path.Join(dir, d.Name);
                if (options.AttributesToSkip.HasFlag(FileAttributes.Hidden) && d.Name.StartsWith('.'))
                    continue;
                var type = d.Type;
                bool isLink = type == VType.VLNK;
                if (type is VType.VNON or VType.VLNK)
                    type = fs.TryStat(child)?.Type ?? type;
                bool isDir = type == VType.VDIR;
                if (isDir && !isLink && options.RecurseSubdirectories && depth < options.MaxRecursionDepth)
                    subdirs.Add(child);
                var kind = isDir ? Kinds.Directories : Kinds.Files;
                if ((kinds & kind) != 0 && Matches(pattern, d.Name, options))
                    yield return new Found(child, isDir);
            }
        }
        foreach (var sub in subdirs)
        {
            IEnumerator<Dirent> inner;
            try
            {
                inner = IOErrors.Call(sub, () => fs.Facade.EnumerateEntries(sub).GetEnumerator());
            }
            catch (Exception e) when (options.IgnoreInaccessible && e is UnauthorizedAccessException or IOException)
            {
                continue;
            }
            foreach (var f in Walk(fs, sub, inner, pattern, options, kinds, depth + 1))
                yield return f;
        }
    }

    private static bool Matches(string pattern, string name, EnumerationOptions options)
    {
        bool ignoreCase = options.MatchCasing == MatchCasing.CaseInsensitive;
        return options.MatchType == MatchType.Win32
            ? FileSystemName.MatchesWin32Expression(FileSystemName.TranslateWin32Expression(pattern), name, ignoreCase)
            : FileSystemName.MatchesSimpleExpression(pattern, name, ignoreCase);
    }
}
