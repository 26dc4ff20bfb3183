// Vfs.Core: names are bytes. The one place a name (or a symlink's target) crosses between the bytes a
// disk, a wire or /dev/fuse holds and the string every VOP takes.
//
// A Unix name is any 1..NAME_MAX bytes without '/' or NUL; nothing says they are UTF-8 (a file made on
// FreeBSD in Latin-1 is named "g\x81"). The VOPs take strings, so a name's bytes travel in a string the
// way Python's surrogateescape carries them (PEP 383):
//     bytes -> string   each maximal well-formed UTF-8 sequence becomes its character; every other byte
//                       b (0x80..0xFF: a stray continuation, a truncated or overlong sequence, an encoded
//                       surrogate) becomes the lone low surrogate U+DC00 + b, one per byte;
//     string -> bytes   characters become their UTF-8; a lone U+DC80..U+DCFF becomes its byte again.
// So decoding then encoding gives back every byte string exactly: whatever readdir returns, lookup finds.
//
// The other way is not total. A string is a NAME STRING when it is what decoding its own encoding gives:
// no lone surrogate outside U+DC80..U+DCFF (it has no bytes at all), and no run of escapes that spells
// well-formed UTF-8 ("\uDCC3\uDCA9" would encode to the bytes of "é", and readdir would give "é" back).
// Every string that reaches a file system is one: lookuppn checks a path (Lookup.CheckPath), the checks on
// create, rename and link check a name (FsSubr.CheckName), and every other string was decoded from bytes.
// Anything else is EINVAL there, so one file never has two spellings.
//
// Lengths are bytes: NAME_MAX and PATH_MAX count the encoded form (an escape is one byte, "é" two).
using System.Buffers;
using System.Text;

namespace UnixVfs.Core;

/// <summary>Names as bytes carried in strings (surrogateescape); see the file comment.</summary>
public static class FsName
{
    /// <summary>The most bytes one UTF-16 char of a name string encodes to (a pair is four bytes for two chars).</summary>
    public const int MaxBytesPerChar = 3;

    private const char EscapeFirst = '\uDC80';
    private const char EscapeLast = '\uDCFF';

    /// <summary>The name string of <paramref name="bytes"/> (never fails: a byte that is not UTF-8 becomes an escape).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
            return Encoding.UTF8.GetString(bytes);
        var sb = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var r, out int used) == OperationStatus.Done)
            {
                sb.Append(r.ToString());
                bytes = bytes[used..];
                continue;
            }
            sb.Append((char)(0xDC00 + bytes[0]));
            bytes = bytes[1..];
        }
        return sb.ToString();
    }

    /// <summary>The bytes of <paramref name="s"/>, or -1 when it has a lone surrogate that is not an escape.</summary>
    public static int ByteCount(ReadOnlySpan<char> s)
    {
        if (s.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
            return Encoding.UTF8.GetByteCount(s);
        int n = 0;
        while (!s.IsEmpty)
        {
            int used = Next(s, out int bytes, out _);
            if (used == 0)
                return -1;
            n += bytes;
            s = s[used..];
        }
        return n;
    }

    /// <summary>
    /// Encodes <paramref name="s"/> into <paramref name="dst"/>. False when a lone surrogate is not an escape or
    /// <paramref name="dst"/> is too small (size it <c>s.Length * MaxBytesPerChar</c>).
    /// </summary>
    public static bool TryEncode(ReadOnlySpan<char> s, Span<byte> dst, out int written)
    {
        written = 0;
        if (s.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
            return Encoding.UTF8.TryGetBytes(s, dst, out written);
        while (!s.IsEmpty)
        {
            int used = Next(s, out int bytes, out var rune);
            if (used == 0 || written + bytes > dst.Length)
                return false;
            if (rune is { } r)
                r.EncodeToUtf8(dst[written..]);
            else
                dst[written] = (byte)(s[0] - 0xDC00);
            written += bytes;
            s = s[used..];
        }
        return true;
    }

    /// <summary>The bytes of <paramref name="s"/>, or null when it has a lone surrogate that is not an escape.</summary>
    public static byte[]? Encode(string s)
    {
        int n = ByteCount(s);
        if (n < 0)
            return null;
        var b = new byte[n];
        TryEncode(s, b, out _);
        return b;
    }

    /// <summary>True when <paramref name="s"/> is a name string: it encodes, and decoding gives it back (see the file comment).</summary>
    public static bool IsNameString(string s)
    {
        if (s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
            return true;
        var b = Encode(s);
        return b is not null && Decode(b) == s;
    }

    /// <summary>
    /// <paramref name="s"/> as the CLI prints it, one unambiguous line: an escaped byte as <c>\xHH</c>, a control
    /// character as <c>\xHH</c> of its byte, a backslash as <c>\\</c>; all else as it is. The shell reads it back.
    /// </summary>
    public static string Visible(string s)
    {
        if (s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0 && s.AsSpan().IndexOfAnyInRange('\0', '\u001F') < 0
            && !s.Contains('\\') && !s.Contains('\u007F'))
            return s;
        var sb = new StringBuilder(s.Length + 8);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                sb.Append(c).Append(s[++i]);
            else if (c is >= EscapeFirst and <= EscapeLast)
                sb.Append($"\\x{c - 0xDC00:x2}");
            else if (c < 0x20 || c == 0x7F)
                sb.Append($"\\x{(int)c:x2}");
            else if (c == '\\')
                sb.Append("\\\\");
            else
                sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The next character of <paramref name="s"/>: how many chars it takes (0 when it is a lone surrogate that is
    /// not an escape), its encoded length, and its rune (null for an escape).
    /// </summary>
    private static int Next(ReadOnlySpan<char> s, out int bytes, out Rune? rune)
    {
        rune = null;
        bytes = 1;
        char c = s[0];
        if (c is >= EscapeFirst and <= EscapeLast)
            return 1;
        if (Rune.DecodeFromUtf16(s, out var r, out int used) != OperationStatus.Done)
            return 0;
        rune = r;
        bytes = r.Utf8SequenceLength;
        return used;
    }
}
