// Vfs.Cli / shell: splitting a command line into words (single and double quotes, backslash escapes, # comments)
// and taking off an output redirection ("> FILE" or ">> FILE").
using System.Text;

namespace UnixVfs.Cli.Shell;

/// <summary>A parsed command line.</summary>
internal sealed record ShellLine(string[] Words, string? RedirectTo, bool Append)
{
    /// <summary>Parses a line; null with a reason when the quoting is unbalanced.</summary>
    public static ShellLine? Parse(string line, out string error)
    {
        error = "";
        var words = new List<string>();
        var cur = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < line.Length)
                    cur.Append(line[++i]);
                else
                    cur.Append(c);
                continue;
            }
            if (c == '#' && !inWord)
                break;
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(cur.ToString());
                    cur.Clear();
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c is '\'' or '"')
                quote = c;
            else if (c == '\\' && i + 1 < line.Length)
                cur.Append(line[++i]);
            else
                cur.Append(c);
        }
        if (quote != '\0')
        {
            error = "unbalanced quote";
            return null;
        }
        if (inWord)
            words.Add(cur.ToString());

        string? target = null;
        bool append = false;
        int r = words.FindIndex(w => w is ">" or ">>");
        if (r >= 0)
        {
            if (r != words.Count - 2)
            {
                error = "a redirection takes exactly one file, at the end";
                return null;
            }
            append = words[r] == ">>";
            target = words[r + 1];
            words.RemoveRange(r, 2);
        }
        return new ShellLine(words.ToArray(), target, append);
    }
}
