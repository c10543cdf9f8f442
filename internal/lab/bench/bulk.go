package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/lab/gobuild"
	"github.com/osscopy/osscopy/internal/units"
)

// The bulk benchmark measures `osscopy cp -r` (internal/bulk) as a user
// runs it: the real binary copies a prefix of a real `osscopy server`,
// each in a process of its own. The client's CPU time and peak RSS come
// from its rusage (usageOf, as for the single-object copies), the
// requests from the server's access log (counter, as there), and what the
// run did from the JSON summary cp prints (--output-format json).
//
// A scenario is a server (seeded objects, latency, in-flight limit) and
// phases run one after the other against it (a dry run, the copy, the
// same copy again). Variants (cp flags, such as --adaptive=false) and
// repeats each get a fresh server, in the order repeat 1 of every
// variant, then repeat 2, so that a change in the machine's load falls on
// every variant alike.

// Binary makes the command that runs osscopy with args.
type Binary func(args ...string) *exec.Cmd

// BuildOsscopy builds osscopy from this module's source into dir, without
// the race detector (the benchmark measures osscopy as users run it), and
// returns the Binary that runs it.
func BuildOsscopy(ctx context.Context, dir string) (Binary, error) {
	bin, err := gobuild.Command(ctx, dir, "osscopy", false)
	if err != nil {
		return nil, err
	}
	return func(args ...string) *exec.Cmd { return exec.Command(bin, args...) }, nil
}

// Where the bulk scenarios' objects live on their server.
const (
	bulkSrcBucket = "bulk-src"
	bulkDstBucket = "bulk-dst"
)

// BulkSuite is the bulk scenarios of one run.
type BulkSuite struct {
	Name      string         `json:"name"`
	Scenarios []BulkScenario `json:"scenarios"`
}

// BulkScenario is one prefix to copy with cp -r under one set of server
// conditions.
type BulkScenario struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Prefix is copied from the source bucket to the same prefix of the
	// destination bucket.
	Prefix string `json:"prefix"`
	// Objects are --seed-objects specs and Large --seed-object specs,
	// relative to the source bucket: "obj/=1000000x1KiB-4KiB",
	// "mix/large-0=5GiB".
	Objects []string `json:"objects"`
	Large   []string `json:"large,omitempty"`
	// Latency are --latency values (OP=DURATION); MaxInflight and
	// RetryAfter the server's throttling (0: no limit).
	Latency     []string      `json:"latency,omitempty"`
	MaxInflight int           `json:"max_inflight,omitempty"`
	RetryAfter  time.Duration `json:"retry_after_ns,omitempty"`
	// Parallel is cp's --parallel.
	Parallel int `json:"parallel"`
	// Phases run in order against one server; Variants and Repeats each
	// get a server of their own.
	Phases   []BulkPhase   `json:"phases"`
	Variants []BulkVariant `json:"variants"`
	Repeats  int           `json:"repeats"`
}

// BulkPhase is one run of cp -r in a scenario.
type BulkPhase struct {
	Name string   `json:"name"`
	Args []string `json:"args,omitempty"` // added to cp's
	// Journal names the checkpoint directory: phases with the same name
	// share the journal (a rerun finds the copy's), others do not.
	Journal string `json:"journal"`
}

// BulkVariant is a set of cp flags compared with the others.
type BulkVariant struct {
	Name string   `json:"name"`
	Args []string `json:"args,omitempty"`
}

// The phases and variants the suites use.
var (
	phaseDryRun = BulkPhase{Name: "dry-run", Args: []string{"--dry-run"}, Journal: "dry-run"}
	phaseCopy   = BulkPhase{Name: "copy", Journal: "copy"}
	phaseRerun  = BulkPhase{Name: "rerun", Journal: "copy"}

	variantAdaptive = BulkVariant{Name: "adaptive"}
	variantFixed    = BulkVariant{Name: "fixed", Args: []string{"--adaptive=false"}}
)

// BulkFull is the bulk benchmark of docs/BENCHMARKS.md ("Bulk runs"):
// 1,000,000 objects of 1 to 4 KiB at --parallel 64 on a server without
// latency (listed in a dry run, copied, then copied again: all done
// before); and 3,000 such objects plus two of 5 and 3 GiB (multipart) on
// a server that holds 16 requests, each taking 20 ms, and throttles the
// rest with Retry-After: 1, copied at --parallel 64 adaptive and fixed,
// three times each.
func BulkFull() BulkSuite {
	return BulkSuite{Name: "full", Scenarios: []BulkScenario{
		scaleScenario(1_000_000),
		throttleScenario(3000, []string{"5GiB", "3GiB"}, "20ms", 16, 3),
	}}
}

// BulkQuick is a smoke run of the same scenarios in seconds.
func BulkQuick() BulkSuite {
	return BulkSuite{Name: "quick", Scenarios: []BulkScenario{
		scaleScenario(2000),
		throttleScenario(200, []string{"1280MiB", "1100MiB"}, "5ms", 8, 1),
	}}
}

func scaleScenario(count int) BulkScenario {
	return BulkScenario{Name: "scale", Title: fmt.Sprintf("%s objects of 1-4 KiB", units.Group(count)), Prefix: "obj/",
		Objects: []string{fmt.Sprintf("obj/=%dx1KiB-4KiB", count)}, Parallel: 64,
		Phases: []BulkPhase{phaseDryRun, phaseCopy, phaseRerun}, Variants: []BulkVariant{variantAdaptive}, Repeats: 1}
}

func throttleScenario(count int, large []string, latency string, inflight, repeats int) BulkScenario {
	var seeds, names []string
	for i, size := range large {
		seeds = append(seeds, fmt.Sprintf("mix/large-%d=%s", i, size))
		names = append(names, size)
	}
	return BulkScenario{Name: "throttle",
		Title: fmt.Sprintf("%s objects of 1-4 KiB and %s; server: %d in flight, %s per request", units.Group(count),
			strings.Join(names, " + "), inflight, latency),
		Prefix: "mix/", Objects: []string{fmt.Sprintf("mix/s=%dx1KiB-4KiB", count)}, Large: seeds,
		Latency: []string{"*=" + latency}, MaxInflight: inflight, RetryAfter: time.Second, Parallel: 64,
		Phases: []BulkPhase{phaseCopy}, Variants: []BulkVariant{variantAdaptive, variantFixed}, Repeats: repeats}
}

// BulkScenarioNames lists the names --scenario accepts with --bulk.
func BulkScenarioNames() []string { return namesOf(BulkFull().Scenarios, bulkScenarioName) }

func bulkScenarioName(s BulkScenario) string { return s.Name }

// Select keeps the scenarios named (all when names is empty).
func (s BulkSuite) Select(names []string) (BulkSuite, error) {
	var err error
	s.Scenarios, err = selectNamed(s.Scenarios, bulkScenarioName, names, "bulk scenario")
	return s, err
}

// serverArgs are the `osscopy server` arguments of the scenario, the
// access log aside.
func (sc BulkScenario) serverArgs() []string {
	args := []string{"server", "--addr", "127.0.0.1:0", "--bucket", bulkDstBucket}
	for _, o := range sc.Objects {
		args = append(args, "--seed-objects", "oss://"+bulkSrcBucket+"/"+o)
	}
	for _, o := range sc.Large {
		args = append(args, "--seed-object", "oss://"+bulkSrcBucket+"/"+o)
	}
	for _, l := range sc.Latency {
		args = append(args, "--latency", l)
	}
	if sc.MaxInflight > 0 {
		args = append(args, "--max-inflight", fmt.Sprint(sc.MaxInflight), "--retry-after", sc.RetryAfter.String())
	}
	return args
}

// cpArgs are the `osscopy cp -r` arguments of a phase of a variant, the
// connection and checkpoint directory aside.
func (sc BulkScenario) cpArgs(v BulkVariant, p BulkPhase) []string {
	args := []string{"cp", "-r", "oss://" + bulkSrcBucket + "/" + sc.Prefix, "oss://" + bulkDstBucket + "/" + sc.Prefix,
		"--parallel", fmt.Sprint(sc.Parallel), "--output-format", "json"}
	args = append(args, v.Args...)
	return append(args, p.Args...)
}

// BulkOptions say what RunBulk runs and how.
type BulkOptions struct {
	Suite BulkSuite
	Bin   Binary
	// Log receives a line per run as the benchmark goes, and the copies'
	// progress lines; nil: none.
	Log io.Writer
}

// BulkReport is a whole bulk benchmark run.
type BulkReport struct {
	Suite   BulkSuite  `json:"suite"`
	Host    Host       `json:"host"`
	Started time.Time  `json:"started"`
	Seconds float64    `json:"seconds"`
	Cases   []BulkCase `json:"cases"`
}

// Host is the machine the benchmark ran on.
type Host struct {
	CPUs int    `json:"cpus"`
	OS   string `json:"os"`
	Go   string `json:"go"`
}

// BulkCase is one server of one scenario, variant and repeat, and the
// phases run against it.
type BulkCase struct {
	Scenario string `json:"scenario"`
	Title    string `json:"title"`
	Variant  string `json:"variant"`
	Repeat   int    `json:"repeat"`
	// ServerCommand is how the server was started (the access log's path
	// aside); StartSeconds the time from its start to "ready" (seeding).
	ServerCommand string  `json:"server_command"`
	StartSeconds  float64 `json:"server_start_seconds"`
	// ServerCPUSeconds and ServerPeakRSSMiB are the server process's, over
	// the whole case.
	ServerCPUSeconds float64   `json:"server_cpu_seconds"`
	ServerPeakRSSMiB float64   `json:"server_peak_rss_mib"`
	Runs             []BulkRun `json:"runs"`
	Error            string    `json:"error,omitempty"`
}

// BulkRun is one run of cp -r.
type BulkRun struct {
	Phase   string `json:"phase"`
	Command string `json:"command"` // the connection flags aside
	// ExitCode is cp's (0: all copied; 4: some objects failed).
	ExitCode int `json:"exit_code"`
	// WallSeconds is the process's, from start to exit, measured by the
	// parent; Summary.Seconds is the run's inside the process.
	WallSeconds float64      `json:"wall_seconds"`
	Summary     bulk.Summary `json:"summary"`
	// Counts are the server's access log for this run.
	Counts Counts `json:"counts"`
	// ServerBusySeconds is the time the server spent on the requests it
	// did not throttle, summed: over the wall time, how many of its
	// requests were in flight on average.
	ServerBusySeconds float64 `json:"server_busy_seconds"`
	// ObjectsPerSecond is listed objects over the wall time;
	// RequestsPerSecond the server's requests over it.
	ObjectsPerSecond  float64 `json:"objects_per_second"`
	RequestsPerSecond float64 `json:"requests_per_second"`
	CPUSeconds        float64 `json:"cpu_seconds"`
	PeakRSSMiB        float64 `json:"peak_rss_mib"`
	// ParentPeakRSSMiB is the benchmark's own peak RSS when it started
	// the run: a floor under PeakRSSMiB on Linux, where Go starts a child
	// in the parent's address space (vfork) and exec records that space's
	// high-water mark as the child's. The benchmark lowers it to its RSS
	// before each start (resetPeakRSS); 0 where /proc says nothing.
	ParentPeakRSSMiB float64 `json:"parent_peak_rss_mib,omitempty"`
	// LoadBefore and LoadAfter are /proc/loadavg's 1, 5 and 15-minute
	// averages around the run ("" where there is none).
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
	Error      string `json:"error,omitempty"`
}

// RunBulk runs every case of the suite, one after the other. A copy that
// fails is a run that says so; an error is returned only when the
// benchmark cannot go on (a server that does not start).
func RunBulk(ctx context.Context, o BulkOptions) (rep BulkReport, err error) {
	rep = BulkReport{Suite: o.Suite, Started: time.Now().UTC().Truncate(time.Second),
		Host: Host{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}}
	start := time.Now()
	defer func() { rep.Seconds = time.Since(start).Seconds() }()
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	dir, err := os.MkdirTemp("", "osscopy-bulk-bench-")
	if err != nil {
		return rep, fmt.Errorf("making a directory for the runs: %w", err)
	}
	defer os.RemoveAll(dir)
	id, secret := "LTAI"+randomHex(10), randomHex(20)
	env := bulkEnv(id, secret)
	n := 0
	for _, sc := range o.Suite.Scenarios {
		for repeat := 1; repeat <= max(sc.Repeats, 1); repeat++ {
			for _, v := range sc.Variants {
				n++
				c := BulkCase{Scenario: sc.Name, Title: sc.Title, Variant: v.Name, Repeat: repeat}
				caseDir := filepath.Join(dir, fmt.Sprintf("%d-%s-%s-%d", n, sc.Name, v.Name, repeat))
				err := runBulkCase(ctx, o.Bin, env, logw, sc, v, caseDir, &c)
				rep.Cases = append(rep.Cases, c)
				if err != nil {
					return rep, fmt.Errorf("bulk scenario %s, %s, repeat %d: %w", sc.Name, v.Name, repeat, err)
				}
				if err := os.RemoveAll(caseDir); err != nil { // the access log of a million copies is large
					return rep, err
				}
			}
		}
	}
	return rep, nil
}

// runBulkCase starts the case's server and runs its phases, filling c.
func runBulkCase(ctx context.Context, bin Binary, env []string, logw io.Writer, sc BulkScenario, v BulkVariant, dir string, c *BulkCase) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	name := fmt.Sprintf("%s/%s #%d", sc.Name, v.Name, c.Repeat)
	args := sc.serverArgs()
	c.ServerCommand = "osscopy " + shellJoin(args)
	fmt.Fprintf(logw, "[%s] %s\n", name, c.ServerCommand)
	srv, err := startBulkServer(ctx, bin, env, args, filepath.Join(dir, "access.log"))
	if err != nil {
		c.Error = err.Error()
		return err
	}
	defer srv.kill()
	c.StartSeconds = srv.startSeconds
	fmt.Fprintf(logw, "[%s] server ready in %.1fs\n", name, c.StartSeconds)
	for _, p := range sc.Phases {
		args := sc.cpArgs(v, p)
		r := BulkRun{Phase: p.Name, Command: "osscopy " + shellJoin(args)}
		fmt.Fprintf(logw, "[%s] %s: %s\n", name, p.Name, r.Command)
		args = append(args, "--endpoint", srv.endpoint, "--region", region, "--addressing-style", "path",
			"--checkpoint-dir", filepath.Join(dir, "checkpoints-"+p.Journal))
		r.LoadBefore, r.ParentPeakRSSMiB = loadAverage(), resetPeakRSS()
		res, err := runBulkClient(ctx, bin, env, args, filepath.Join(dir, p.Name+".out"), logw)
		r.LoadAfter = loadAverage()
		if err != nil {
			return err // the context ended, or the process could not start
		}
		r.ExitCode, r.WallSeconds, r.Summary, r.Error = res.exitCode, res.wall.Seconds(), res.summary, res.err
		r.CPUSeconds, r.PeakRSSMiB = res.use.cpu.Seconds(), res.use.peakRSSMiB
		if r.Counts, r.ServerBusySeconds, err = srv.counts(); err != nil {
			return err
		}
		if r.WallSeconds > 0 {
			r.ObjectsPerSecond = float64(r.Summary.Listed) / r.WallSeconds
			r.RequestsPerSecond = float64(r.Counts.Total()) / r.WallSeconds
		}
		fmt.Fprintf(logw, "[%s] %s: %s\n", name, p.Name, runLine(r))
		c.Runs = append(c.Runs, r)
	}
	use, err := srv.stop()
	c.ServerCPUSeconds, c.ServerPeakRSSMiB = use.cpu.Seconds(), use.peakRSSMiB
	if err != nil {
		c.Error = err.Error()
	}
	return err
}

// runLine is a run in one line, for the log.
func runLine(r BulkRun) string {
	s := fmt.Sprintf("exit %d in %.1fs: listed %s, copied %s, done before %s, failed %s; %.0f objects/s; %s requests (%.0f/s), %s throttled; CPU %.1fs, peak RSS %.0f MiB",
		r.ExitCode, r.WallSeconds, units.Group(int(r.Summary.Listed)), units.Group(int(r.Summary.Copied)),
		units.Group(int(r.Summary.Skipped.DoneBefore)), units.Group(int(r.Summary.Failed)), r.ObjectsPerSecond,
		units.Group(int(r.Counts.Total())), r.RequestsPerSecond, units.Group(int(r.Counts.Throttled)), r.CPUSeconds, r.PeakRSSMiB)
	if r.Error != "" {
		s += "; error: " + strings.ReplaceAll(r.Error, "\n", " ")
	}
	return s
}

// shellJoin quotes what a shell would not take as it is.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.ContainsAny(a, " *?[]'\"$&|;<>()\\`") {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
