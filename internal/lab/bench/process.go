package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// usage is what the operating system measured of a client process.
type usage struct {
	cpu        time.Duration
	peakRSSMiB float64
}

// runClient makes one run of a copy in a client child.
func runClient(ctx context.Context, start Starter, spec clientSpec) (clientResult, usage, error) {
	var res clientResult
	var in, stdout, stderr bytes.Buffer
	if err := writeJSONLine(&in, spec); err != nil {
		return res, usage{}, err
	}
	cmd := start(RoleClient)
	cmd.Stdin, cmd.Stdout = &in, &stdout
	resetPeakRSS() // else the child's peak RSS starts at this process's
	if cmd.Stderr == nil {
		cmd.Stderr = &stderr
	}
	if err := runUntilDone(ctx, cmd); err != nil {
		return res, usage{}, fmt.Errorf("the client process failed: %w: %s", err, lastLines(stderr.String()))
	}
	if err := readJSONLine(bufio.NewReader(&stdout), &res); err != nil {
		return res, usage{}, fmt.Errorf("reading the client's result: %w", err)
	}
	return res, usageOf(cmd.ProcessState), nil
}

// runUntilDone runs cmd, killing it if ctx ends first.
func runUntilDone(ctx context.Context, cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		return ctx.Err()
	}
}

func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "\n")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
