// Vfs.Cli / shell: splitting a command line into words (single and double quotes, backslash escapes, # comments)
// and taking off an output redirection ("> FILE" or ">> FILE"). Outside single quotes "\xHH" is the byte HH, so
// a name the shell prints with FsName.Visible (a byte that is not UTF-8 as "\x81", a backslash as "\\") can be
// typed back as it was printed.
using System.Globalization;
using System.Text;
using UnixVfs.Core;

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
                    i = Escaped(line, i, cur);
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
                    words.Add(Word(cur));
                    cur.Clear();
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c is '\'' or '"')
                quote = c;
            else if (c == '\\' && i + 1 < line.Length)
                i = Escaped(line, i, cur);
            else
                cur.Append(c);
        }
        if (quote != '\0')
        {
            error = "unbalanced quote";
            return null;
        }
        if (inWord)
            words.Add(Word(cur));

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

    /// <summary>
    /// Appends what the backslash at <paramref name="i"/> escapes and returns the index of its last character:
    /// "\xHH" is the byte HH (a byte of 0x80 or more as its FsName escape), "\c" is c.
    /// </summary>
    private static int Escaped(string line, int i, StringBuilder cur)
    {
        if (line[i + 1] == 'x' && i + 3 < line.Length
            && byte.TryParse(line.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
        {
            cur.Append(b < 0x80 ? (char)b : (char)(0xDC00 + b));
            return i + 3;
        }
        cur.Append(line[i + 1]);
        return i + 1;
    }

    /// <summary>A word as the name string of its bytes: escaped bytes that spell UTF-8 ("\xc3\xa9") become their character.</summary>
    private static string Word(StringBuilder cur)
    {
        var w = cur.ToString();
        return FsName.Encode(w) is { } bytes ? FsName.Decode(bytes) : w;
    }
}
