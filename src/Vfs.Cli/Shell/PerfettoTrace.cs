// Vfs.Cli / shell: `trace --perfetto FILE` -- the session's traced VOP calls in the Chrome trace-event JSON
// format, which ui.perfetto.dev and chrome://tracing open.
//
// Each host is a process; each layer is a thread of it, a layer under a mirror one per copy ("ufs copy X /A"),
// and track 0, "shell", holds one span per command. Time is virtual: every call's start and end is one tick
// (a microsecond in the file) after the event before it, in call order, so a call made inside another --
// a mirror write calling each copy's write -- lies inside its span, and the file is the same on every run
// (the real durations, which vary, are left out; `trace on` prints them).
using System.Text.Json;

namespace UnixVfs.Cli.Shell;

internal static class PerfettoTrace
{
    public static void Write(ShellTrace log, Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var hosts = log.Commands.SelectMany(t => t.Calls).Select(x => x.Host).Distinct().ToList();
        var tracks = hosts.ToDictionary(h => h, h => new List<string> { "shell" });
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ns");
        w.WriteStartArray("traceEvents");
        long t = 0;
        foreach (var cmd in log.Commands)
        {
            long start = t++;
            foreach (var host in hosts)
                t = Spans(w, cmd.Calls.Where(x => x.Host == host).ToList(), hosts.IndexOf(host) + 1, tracks[host], t);
            foreach (var host in cmd.Calls.Select(x => x.Host).Distinct())
                Span(w, cmd.Line, "shell", hosts.IndexOf(host) + 1, 0, start, t - start, []);
            t++;
        }
        foreach (var host in hosts)
        {
            Meta(w, "process_name", hosts.IndexOf(host) + 1, 0, host);
            for (int i = 0; i < tracks[host].Count; i++)
                Meta(w, "thread_name", hosts.IndexOf(host) + 1, i, tracks[host][i]);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The calls of one host in one command, nested by depth; returns the next tick.</summary>
    private static long Spans(Utf8JsonWriter w, List<TracedCall> calls, int pid, List<string> tracks, long t)
    {
        var starts = new long[calls.Count];
        var open = new Stack<int>();
        void Close(int i, long end)
        {
            var x = calls[i];
            int tid = tracks.IndexOf(x.Track);
            if (tid < 0)
            {
                tid = tracks.Count;
                tracks.Add(x.Track);
            }
            Span(w, $"{x.Event.Layer}.{x.Event.Op}", x.Event.Layer, pid, tid, starts[i], end - starts[i],
                [("vnode", x.Vnode), ("arg", x.Event.Detail), ("result", x.Event.Result.ToString())]);
        }
        for (int i = 0; i < calls.Count; i++)
        {
            while (open.Count > 0 && calls[open.Peek()].Event.Depth >= calls[i].Event.Depth)
                Close(open.Pop(), t++);
            starts[i] = t++;
            open.Push(i);
        }
        while (open.Count > 0)
            Close(open.Pop(), t++);
        return t;
    }

    private static void Span(Utf8JsonWriter w, string name, string cat, int pid, int tid, long ts, long dur, (string Key, string Value)[] args)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("cat", cat);
        w.WriteString("ph", "X");
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
        w.WriteNumber("ts", ts);
        w.WriteNumber("dur", dur);
        w.WriteStartObject("args");
        foreach (var (k, v) in args)
            w.WriteString(k, v);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Meta(Utf8JsonWriter w, string what, int pid, int tid, string name)
    {
        w.WriteStartObject();
        w.WriteString("name", what);
        w.WriteString("ph", "M");
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
        w.WriteStartObject("args");
        w.WriteString("name", name);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
