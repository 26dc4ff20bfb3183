// Tests of every project: arbitrary names as bytes -- what UFS, NFS and /dev/fuse carry -- for the properties that
// every name readdir returns can be looked up (docs/architecture.md, "Names are bytes"). Linked into the test
// projects that use it (<Compile Include="../Shared/ByteNames.cs" />).
namespace UnixVfs.Testing;

using System.Text;
using FsCheck;
using FsCheck.Fluent;

public static class ByteNames
{
    /// <summary>Byte runs that are not UTF-8, each a different way of failing to be it.</summary>
    private static readonly byte[][] NotUtf8 =
    [
        [0x81],                   // a stray continuation byte (Latin-1 from FreeBSD: "g\x81")
        [0xFF], [0xC0, 0x80],     // never in UTF-8; an overlong NUL
        [0xE2, 0x82],             // a sequence cut short
        [0xED, 0xA0, 0x80],       // an encoded high surrogate
        [0xED, 0xB2, 0x81],       // an encoded U+DC81: the very character that carries the byte 0x81
        [0xF4, 0x90, 0x80, 0x80], // beyond U+10FFFF
        [0xC3, 0xA9],             // "é": valid, but next to the above it may join a run
    ];

    private static readonly Gen<byte[]> Piece = Gen.Frequency(
        (4, Gen.Choose(1, 0x7F).Where(b => b != '/').Select(b => new[] { (byte)b })),
        (4, Gen.Choose(0x80, 0xFF).Select(b => new[] { (byte)b })),
        (2, Gen.Elements(NotUtf8)),
        (1, Gen.Elements(@"\x81"u8.ToArray(), @"\\"u8.ToArray())),
        (2, Gen.Choose(0x80, 0x10FFFF).Where(c => c is < 0xD800 or > 0xDFFF)
            .Select(c => Encoding.UTF8.GetBytes(char.ConvertFromUtf32(c)))));

    /// <summary>1 to 255 bytes, none of them '/' or NUL, and not "." or "..".</summary>
    public static readonly Gen<byte[]> Names =
        from len in Gen.Frequency((3, Gen.Choose(1, 12)), (1, Gen.Choose(1, 255)))
        from pieces in Piece.ArrayOf(len)
        let b = pieces.SelectMany(p => p).Take(255).ToArray()
        where b.Length > 0 && !b.AsSpan().SequenceEqual("."u8) && !b.AsSpan().SequenceEqual(".."u8)
        select b;

    public static Arbitrary<byte[]> Arbitrary => Arb.From(Names, Shrink);

    /// <summary>Shorter names first: each with one byte left out.</summary>
    private static IEnumerable<byte[]> Shrink(byte[] name)
    {
        for (int i = 0; i < name.Length && name.Length > 1; i++)
        {
            var s = name.Where((_, j) => j != i).ToArray();
            if (!s.AsSpan().SequenceEqual("."u8) && !s.AsSpan().SequenceEqual(".."u8))
                yield return s;
        }
    }

    /// <summary>The bytes as C's "\x.." escapes, for a failure message.</summary>
    public static string Hex(byte[] name) => string.Concat(name.Select(b => $"\\x{b:x2}"));
}
