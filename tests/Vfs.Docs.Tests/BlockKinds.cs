// Tests of the docs: the kinds of code block, each named by its fence's info string, and the test that runs it.
// A block of no kind here (an indented block, a bare ```, an unknown word) fails BlockKindTests, so a new
// example is either run by a test or declared as something that cannot run.
namespace UnixVfs.Docs.Tests;

internal static class BlockKinds
{
    /// <summary>```csharp: part of the document's one program, compiled and run (DocExampleTests).
    /// ```csharp VnodeIf: an entry for src/Vfs.Core/VnodeIf.cs, built into Vfs.Core with its generator (NewOpExampleTests).</summary>
    public const string CSharp = "csharp";

    /// <summary>```sh: host shell commands, each run in a scratch directory with `vfs` on the PATH (ShellExampleTests).</summary>
    public const string Sh = "sh";

    /// <summary>```vfs: a `vfs shell` script, run by `vfs shell --script`; ```vfs FILE: a world file the document's
    /// ```sh blocks name, written as FILE beside them (ShellExampleTests).</summary>
    public const string Vfs = "vfs";

    /// <summary>```vfs-session SCRIPT: a part of what `vfs shell --script SCRIPT` prints, prompts and output
    /// (SessionExampleTests). A line "..." stands for any lines, and "..." in a line for any text.</summary>
    public const string Session = "vfs-session";

    /// <summary>```vfs-trace SCRIPT: the `trace on` lines of SCRIPT's one traced command, each call with a note
    /// beside it (SessionExampleTests).</summary>
    public const string Trace = "vfs-trace";

    /// <summary>```synopsis: a command's forms, with placeholders: not run, but each line's command must be one
    /// `vfs` or its shell has, taking every option shown (SynopsisTests).</summary>
    public const string Synopsis = "synopsis";

    /// <summary>```text: not runnable -- a diagram, a file format, a table, output that cannot be made here.</summary>
    public const string Text = "text";

    public static readonly string[] All = [CSharp, Sh, Vfs, Session, Trace, Synopsis, Text];

    /// <summary>The only argument a ```csharp block may have: where the entry goes.</summary>
    public const string VnodeIfEntry = "VnodeIf";
}
