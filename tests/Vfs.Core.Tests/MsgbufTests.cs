// Tests of Vfs.Core's kernel message buffer.
namespace UnixVfs.Core.Tests;

public class MsgbufTests
{
    [Fact]
    public void Messages_come_back_in_order_and_the_oldest_go_first_when_full()
    {
        var k = new Kernel("msg");
        for (int i = 0; i < Kernel.MsgbufLines + 5; i++)
            k.Log($"line {i}");
        var m = k.Messages;
        Assert.Equal(Kernel.MsgbufLines, m.Count);
        Assert.Equal("line 5", m[0]);
        Assert.Equal($"line {Kernel.MsgbufLines + 4}", m[^1]);
    }

    [Fact]
    public void Kernels_keep_their_own_messages()
    {
        var a = new Kernel("a");
        var b = new Kernel("b");
        a.Log("only in a");
        Assert.Contains("only in a", a.Messages);
        Assert.DoesNotContain("only in a", b.Messages);
    }
}
