// Tests of Vfs.Mirror: when no copy does an update, a copy that answered about the file speaks for it, and a copy
// that failed as a copy (a timeout, EIO) is taken out of use (docs/verification.md, Fixed: Fig. 8 returned a
// partitioned primary copy's ETIMEDOUT where the other copy answered).
namespace UnixVfs.Mirror.Tests;

public class CopyAnswerTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_copy_that_times_out_does_not_speak_for_the_file_when_the_other_copy_answered(int failing)
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=1");
        MirrorFixture.Ok(f.P.Mkdir("/A/b/d", 0x1ED));
        f.WriteFile("/A/b/d/f", "f");
        var faults = f.Faults(failing);
        faults.Fail(VopName.Rmdir, Errno.ETIMEDOUT);
        Assert.Equal(Errno.ENOTEMPTY, f.P.Rmdir("/A/b/d"));
        Assert.Equal(2, faults.Injected); // the first try and the retry
        Assert.Equal(CopyState.Unavailable, mi.Copies[failing].State);
        Assert.Contains("ETIMEDOUT on rmdir", mi.Copies[failing].Reason);
        Assert.Equal(CopyState.Available, mi.Copies[1 - failing].State);
        faults.Clear();
        Assert.Equal(Errno.ENOTEMPTY, f.P.Rmdir("/A/b/d"));
    }

    [Fact]
    public void When_every_copy_fails_as_a_copy_the_primarys_errno_is_returned_and_both_stay_in_use()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=0");
        f.Faults(0).Fail(VopName.Rmdir, Errno.ETIMEDOUT);
        f.Faults(1).Fail(VopName.Rmdir, Errno.EIO);
        MirrorFixture.Ok(f.P.Mkdir("/A/b/d", 0x1ED));
        Assert.Equal(Errno.ETIMEDOUT, f.P.Rmdir("/A/b/d"));
        Assert.All(mi.Copies, c => Assert.Equal(CopyState.Available, c.State));
    }
}
