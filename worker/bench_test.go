package worker_test

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
	"github.com/osscopy/osscopy/internal/ossclient"
	"github.com/osscopy/osscopy/internal/retry"
	"github.com/osscopy/osscopy/worker"
)

// The benchmark runs the local server in a child process (this test binary
// re-executed), so that the CPU time and peak RSS it reports are the
// client's alone.
const benchServerEnv = "OSSCOPY_BENCH_SERVER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(benchServerEnv); spec != "" {
		runBenchServer(spec)
		return
	}
	os.Exit(m.Run())
}

// runBenchServer serves until stdin closes. spec is "LATENCY,PARTS,PARTSIZE".
func runBenchServer(spec string) {
	var latency time.Duration
	var parts, partSize int64
	if _, err := fmt.Sscanf(strings.ReplaceAll(spec, ",", " "), "%s %d %d", new(string), &parts, &partSize); err != nil {
		panic(err)
	}
	latency, _ = time.ParseDuration(strings.Split(spec, ",")[0])
	srv, err := ossserver.New(ossserver.Config{
		Credentials: []ossserver.Credential{{AccessKeyID: osstest.AccessKeyID, AccessKeySecret: osstest.AccessKeySecret}},
		Buckets:     []string{"dst"},
		Seeds:       []ossserver.Seed{{Bucket: "src", Key: "big", Size: parts * partSize, Seed: 1}},
		Latency:     map[string]time.Duration{"UploadPartCopy": latency},
	})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr().String())
	go func() { _ = http.Serve(ln, srv) }()
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}

func startBenchServer(b *testing.B, latency time.Duration, parts, partSize int64) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d,%d", benchServerEnv, latency, parts, partSize))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	return "http://" + strings.TrimSpace(addr)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSSMiB() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

// BenchmarkCopy10000Parts copies a 10,000-part object at parallel 64 from a
// server that takes a fixed 50 ms per UploadPartCopy, and reports the wall
// time over the ideal ceil(parts/parallel) x latency (goal: 1.05 or less),
// client CPU per part, peak RSS and checkpoint bytes written per part.
//
//	go test ./worker -run '^$' -bench Copy10000Parts -benchtime 1x
func BenchmarkCopy10000Parts(b *testing.B) {
	benchCopy(b, 10000, 64, 50*time.Millisecond)
}

// BenchmarkParallelSweep shows how the client keeps up as --parallel grows
// (1,000 parts, 50 ms each): the basis of the default of 64.
//
//	go test ./worker -run '^$' -bench ParallelSweep -benchtime 1x
func BenchmarkParallelSweep(b *testing.B) {
	for _, parallel := range []int{8, 16, 32, 64, 128, 256} {
		b.Run(fmt.Sprintf("parallel-%d", parallel), func(b *testing.B) { benchCopy(b, 1000, parallel, 50*time.Millisecond) })
	}
}

func benchCopy(b *testing.B, parts int64, parallel int, latency time.Duration) {
	const partSize = 64 << 20
	endpoint := startBenchServer(b, latency, parts, partSize)
	store := ossclient.New(ossclient.Settings{Endpoint: endpoint, Region: ossserver.DefaultRegion,
		AccessKeyID: osstest.AccessKeyID, AccessKeySecret: osstest.AccessKeySecret, AddressingStyle: "path"})
	ideal := time.Duration(math.Ceil(float64(parts)/float64(parallel))) * latency
	var wall, cpu time.Duration
	var ckBytes int64
	b.ResetTimer()
	for i := range b.N {
		job := worker.Job{Source: worker.Object{Bucket: "src", Key: "big"}, Dest: worker.Object{Bucket: "dst", Key: fmt.Sprintf("copy-%d", i)},
			PartSize: partSize, Parallel: parallel, CheckpointDir: b.TempDir(), Retry: retry.Default()}
		startCPU, start := cpuTime(), time.Now()
		res, err := worker.Copy(context.Background(), store, job)
		wall += time.Since(start)
		cpu += cpuTime() - startCPU
		if err != nil {
			b.Fatal(err)
		}
		if int64(res.Parts) != parts {
			b.Fatalf("copied %d parts, want %d", res.Parts, parts)
		}
		ckBytes += res.CheckpointBytes
	}
	n := time.Duration(b.N)
	b.ReportMetric((wall/n).Seconds()/ideal.Seconds(), "x-ideal")
	b.ReportMetric(float64((cpu/n).Microseconds())/float64(parts), "cpu-µs/part")
	b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
	b.ReportMetric(float64(ckBytes)/float64(b.N)/float64(parts), "ckpt-bytes/part")
	b.ReportMetric((wall / n).Seconds(), "wall-s")
	b.ReportMetric(ideal.Seconds(), "ideal-s")
}
