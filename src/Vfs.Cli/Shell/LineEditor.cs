// Vfs.Cli / shell: the line editor of an interactive shell -- a TextReader whose ReadLine reads keys one at a
// time (Console.ReadKey), so that Tab completes a command or a path of the current host (ShellCompletion) and
// the arrows walk the history of the session. Left/Right, Home/End, Backspace and Delete edit the line;
// Ctrl-D on an empty line ends the input. A script or piped input does not come through here.
using System.Text;

namespace UnixVfs.Cli.Shell;

internal sealed class LineEditor(Func<ConsoleKeyInfo> readKey, TextWriter echo, Func<string> prompt, Func<string, Completion> complete) : TextReader
{
    /// <summary>The most lines the history keeps.</summary>
    public const int HistoryLimit = 1000;

    private readonly List<string> _history = new();

    /// <summary>The lines entered, oldest first.</summary>
    public IReadOnlyList<string> History => _history;

    public override string? ReadLine()
    {
        var line = new StringBuilder();
        int pos = 0, recalled = _history.Count;
        bool listed = false;
        while (true)
        {
            var k = readKey();
            bool tab = k.Key == ConsoleKey.Tab;
            switch (k.Key)
            {
                case ConsoleKey.Enter:
                    echo.WriteLine();
                    return Remember(line.ToString());
                case ConsoleKey.Backspace when pos > 0:
                    line.Remove(--pos, 1);
                    break;
                case ConsoleKey.Delete when pos < line.Length:
                    line.Remove(pos, 1);
                    break;
                case ConsoleKey.LeftArrow when pos > 0:
                    pos--;
                    break;
                case ConsoleKey.RightArrow when pos < line.Length:
                    pos++;
                    break;
                case ConsoleKey.Home:
                    pos = 0;
                    break;
                case ConsoleKey.End:
                    pos = line.Length;
                    break;
                case ConsoleKey.UpArrow when recalled > 0:
                case ConsoleKey.DownArrow when recalled < _history.Count:
                    recalled += k.Key == ConsoleKey.UpArrow ? -1 : 1;
                    line.Clear().Append(recalled < _history.Count ? _history[recalled] : "");
                    pos = line.Length;
                    break;
                case ConsoleKey.Tab:
                {
                    var c = complete(line.ToString(0, pos));
                    if (c.Insert.Length > 0)
                    {
                        line.Insert(pos, c.Insert);
                        pos += c.Insert.Length;
                    }
                    else if (c.Candidates.Count > 1 && listed)
                    {
                        echo.WriteLine();
                        echo.WriteLine(string.Join("  ", c.Candidates));
                    }
                    listed = c.Insert.Length == 0;
                    break;
                }
                case ConsoleKey.D when (k.Modifiers & ConsoleModifiers.Control) != 0 || k.KeyChar == '\x04':
                    if (line.Length == 0)
                    {
                        echo.WriteLine();
                        return null;
                    }
                    break;
                default:
                    if (!char.IsControl(k.KeyChar))
                        line.Insert(pos++, k.KeyChar);
                    break;
            }
            if (!tab)
                listed = false;
            Redraw(line, pos);
        }
    }

    private string Remember(string line)
    {
        if (line.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != line))
        {
            _history.Add(line);
            if (_history.Count > HistoryLimit)
                _history.RemoveAt(0);
        }
        return line;
    }

    /// <summary>Writes the prompt and the line again, clears what was after it, and puts the cursor back at <paramref name="pos"/>.</summary>
    private void Redraw(StringBuilder line, int pos)
    {
        echo.Write($"\r{prompt()}{line}\x1b[K");
        if (pos < line.Length)
            echo.Write($"\x1b[{line.Length - pos}D");
        echo.Flush();
    }
}
