// Vfs.Core.Generators: a StringBuilder that indents, so the generated files read like hand-written ones.
using System.Text;

namespace UnixVfs.Core.Generators;

internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    /// <summary>One line at the current indentation ("" for a blank line).</summary>
    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0)
            _text.Append(' ', 4 * _depth).Append(line);
        _text.Append('\n');
        return this;
    }

    /// <summary>"{" and one level deeper.</summary>
    public CodeWriter Open()
    {
        Line("{");
        _depth++;
        return this;
    }

    /// <summary>One level shallower and "}" (with <paramref name="tail"/>, e.g. ";").</summary>
    public CodeWriter Close(string tail = "")
    {
        _depth--;
        return Line("}" + tail);
    }

    public override string ToString() => _text.ToString();
}
