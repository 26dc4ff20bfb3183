// Vfs.Cli / shell: Tab completion for the line editor (LineEditor.cs) -- the first word of a line completes
// from the shell's commands, any other word from the names in a directory of the current host, as the shell's
// process sees them. The word is completed as far as every candidate agrees; one candidate gets its ending
// ("/" for a directory, " " otherwise).
using UnixVfs.Core;

namespace UnixVfs.Cli.Shell;

/// <summary>What Tab does: the text to insert at the cursor, and every candidate (to list on a second Tab).</summary>
internal sealed record Completion(string Insert, IReadOnlyList<string> Candidates);

internal static class ShellCompletion
{
    /// <summary>Completes the last word of <paramref name="before"/> (the line up to the cursor).</summary>
    public static Completion Complete(string before, IEnumerable<string> commands, ShellContext c)
    {
        int start = before.LastIndexOf(' ') + 1;
        string word = before[start..];
        if (before[..start].Trim().Length == 0)
            return Finish(word, commands.Where(c => c.StartsWith(word, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList(), _ => " ");
        int slash = word.LastIndexOf('/');
        string dir = slash < 0 ? "." : slash == 0 ? "/" : word[..slash];
        string prefix = word[(slash + 1)..];
        var names = Names(c, dir).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        string parent = slash < 0 ? "" : word[..(slash + 1)];
        return Finish(prefix, names, n => c.P.Stat(parent.Length == 0 ? n : parent + n, out var st) == Errno.OK && st!.Type == VType.VDIR ? "/" : " ");
    }

    private static Completion Finish(string typed, List<string> candidates, Func<string, string> ending)
    {
        if (candidates.Count == 0)
            return new Completion("", candidates);
        string common = candidates.Aggregate((a, b) => a[..a.Zip(b).TakeWhile(x => x.First == x.Second).Count()]);
        string insert = common[typed.Length..];
        if (candidates.Count == 1)
            insert += ending(candidates[0]);
        return new Completion(insert, candidates);
    }

    /// <summary>The names in <paramref name="dir"/>, or none when it cannot be read.</summary>
    private static List<string> Names(ShellContext c, string dir)
    {
        try
        {
            return FileCommands.ReadNames(c, dir);
        }
        catch (ShellError)
        {
            return [];
        }
    }
}
