// Vfs.Mirror: a word threads sleep on until another thread sets it: one wake-up per hand-over, no lock between them.
//
// The copy workers (CopyWorkers.cs) hand a copy to a sleeping worker and the worker hands "done" back to a sleeping
// caller. With Monitor.Pulse the waker holds the monitor while it wakes the sleeper, and the sleeper, once running,
// must take that monitor again: when it runs before the waker has let go it sleeps once more and is woken once more.
// Measured on this project's 2-vCPU machine (docs/benchmarks.md, "Stop 28: the mirror's hand-over to its copy
// workers"), one mirrored 1 MiB write through FUSE took four wake-ups of the worker to start one copy, and every
// wake-up of a thread on the other vCPU costs the waker tens to hundreds of microseconds there. A Linux futex takes
// one: the waker sets the word and makes one FUTEX_WAKE call, holding nothing; the sleeper sleeps only while the
// word is still clear (FUTEX_WAIT compares it in the kernel), so a Set between its Arm and its Sleep is never lost.
// Elsewhere (not Linux x64 or arm64) the same protocol runs on a monitor of the word's own.
//
// Protocol: a sleeper calls Arm, then checks its condition, then Sleep; a waker makes the condition true, then Set.
// Sleep may return early (a signal, another waker's Set meant for someone else): callers check again and re-arm.
//
// INVARIANT: the word is 0 (armed) or 1 (set); only Arm writes 0, only Set writes 1, and a Set that finds 1 makes no
// call (someone set it since the last Arm, and that Set woke the sleepers), unless forced (Dispose: every sleeper).
using System.Runtime.InteropServices;

namespace UnixVfs.Mirror;

internal sealed class WakeWord
{
    private const int FUTEX_WAIT_PRIVATE = 128, FUTEX_WAKE_PRIVATE = 129;   // linux/futex.h: FUTEX_WAIT|WAKE with FUTEX_PRIVATE_FLAG

    /// <summary>SYS_futex on this process's architecture, or 0 where the monitor stands in for it.</summary>
    private static readonly long SysFutex = !OperatingSystem.IsLinux() ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => 0,
    };

    [DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, ref int uaddr, int op, int val, IntPtr timeout);

    // On the pinned object heap: FUTEX_WAIT and FUTEX_WAKE must name the same address, so the word never moves.
    private readonly int[] _word = GC.AllocateArray<int>(1, pinned: true);

    /// <summary>Clears the word: a Set from here on wakes this sleeper, or keeps it from sleeping.</summary>
    public void Arm() => Volatile.Write(ref _word[0], 0);

    /// <summary>Sleeps while the word is clear; returns at once if it was set since Arm.</summary>
    public void Sleep()
    {
        if (SysFutex != 0)
        {
            syscall(SysFutex, ref _word[0], FUTEX_WAIT_PRIVATE, 0, IntPtr.Zero);   // EAGAIN (set already) and EINTR: the caller checks again
            return;
        }
        lock (_word)
            while (Volatile.Read(ref _word[0]) == 0)
                Monitor.Wait(_word);
    }

    /// <summary>Sets the word and wakes up to <paramref name="sleepers"/> threads in Sleep; <paramref name="force"/> wakes them even if it was set already.</summary>
    public void Set(int sleepers = 1, bool force = false)
    {
        if (Interlocked.Exchange(ref _word[0], 1) != 0 && !force)
            return;
        if (SysFutex != 0)
        {
            syscall(SysFutex, ref _word[0], FUTEX_WAKE_PRIVATE, sleepers, IntPtr.Zero);
            return;
        }
        lock (_word)
            Monitor.PulseAll(_word);
    }
}
