package ghactions

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/matrixgen/matrixgen/matrix"
)

// The contract between `matrixgen matrix` and a workflow (README "In GitHub
// Actions"):
//
//   - the planning step always writes count, has_builds, chunk_size and
//     chunks (a JSON array of chunk ids for a matrix over chunks); it writes
//     matrix too when the builds fit one chunk, so the simple workflow works
//     unchanged;
//   - builds that need more than one chunk never get a partial matrix: the
//     build jobs take their chunk from the plan file (--plan-out), and without
//     one the step fails with an ::error:: that says so;
//   - a chunk step (--from-plan --chunk N) writes that chunk's matrix, count
//     and has_builds.
//
// Every output stays under MaxOutputBytes whatever the count, because no
// output grows with more than one chunk.

// ErrNeedsPlan is wrapped by PublishPlan's error when the builds need more
// than one matrix and no plan file was written for the chunk jobs.
var ErrNeedsPlan = errors.New("the builds need the chunked workflow")

// PublishPlan writes the planning step's outputs and summary. planFile is
// the --plan-out path ("" when none was asked for).
func PublishPlan(s Step, p matrix.Plan, planFile string) error {
	if !s.Actions && s.SummaryPath == "" {
		return nil // outside Actions GitHub's limits do not apply
	}
	chunks := p.Chunks()
	if s.OutputPath != "" && chunks > 1 && planFile == "" {
		msg := fmt.Sprintf("%d builds need %d matrices of up to %d jobs, and one matrix output cannot hold them: use the chunked workflow (README \"In GitHub Actions\"): add --plan-out plan.json, upload it, and run `matrixgen matrix --from-plan plan.json --chunk N` for each id in the chunks output", len(p.Entries), chunks, p.ChunkSize)
		s.Error(msg)
		return fmt.Errorf("%w: %s", ErrNeedsPlan, msg)
	}
	if chunks > MaxMatrixJobs {
		msg := fmt.Sprintf("%d builds make %d chunks of %d, and a matrix over chunks runs at most %d: raise --chunk-size (at most %d) or split the kernels into several runs (--target, --arch)", len(p.Entries), chunks, p.ChunkSize, MaxMatrixJobs, matrix.MaxJobs)
		s.Error(msg)
		return errors.New(msg)
	} else if chunks > MaxMatrixJobs*3/4 {
		s.Warning(fmt.Sprintf("%d chunks: a matrix over chunks runs at most %d jobs, so this run is near the most it can build (%d)", chunks, MaxMatrixJobs, MaxMatrixJobs*p.ChunkSize))
	}
	// Each chunk job's matrix output counts toward the run's total.
	if total := runOutputBytes(p); total > MaxRunOutputBytes {
		msg := fmt.Sprintf("the chunk jobs' matrix outputs would total %d bytes, over GitHub's %d-byte limit per run: split the kernels into several runs", total, MaxRunOutputBytes)
		s.Error(msg)
		return errors.New(msg)
	} else if total >= MaxRunOutputBytes/2 {
		s.Warning(fmt.Sprintf("the chunk jobs' matrix outputs will total %d bytes, over half of GitHub's %d-byte limit per run", total, MaxRunOutputBytes))
	}
	outs := []Output{
		{"count", strconv.Itoa(len(p.Entries))},
		{"has_builds", strconv.FormatBool(len(p.Entries) > 0)},
		{"chunk_size", strconv.Itoa(p.ChunkSize)},
		{"chunks", chunkIDs(p)},
	}
	if chunks <= 1 {
		outs = append(outs, Output{"matrix", string(matrix.AppendJSON(nil, p.Entries))})
	}
	if err := s.WriteOutputs(outs); err != nil {
		return err
	}
	title := fmt.Sprintf("### matrixgen: %d %s", len(p.Entries), plural(len(p.Entries), "build", "builds"))
	if chunks > 1 {
		title += fmt.Sprintf(" in %d chunks of up to %d", chunks, p.ChunkSize)
	}
	return s.AppendSummary(summary(s, title, p.Axes, p.Entries))
}

// PublishChunk writes a chunk step's outputs and summary.
func PublishChunk(s Step, p matrix.Plan, n int, entries []matrix.Entry) error {
	outs := []Output{
		{"matrix", string(matrix.AppendJSON(nil, entries))},
		{"count", strconv.Itoa(len(entries))},
		{"has_builds", strconv.FormatBool(len(entries) > 0)},
	}
	if err := s.WriteOutputs(outs); err != nil {
		return err
	}
	title := fmt.Sprintf("### matrixgen: chunk %d of %d: %d %s", n, p.Chunks(), len(entries), plural(len(entries), "build", "builds"))
	return s.AppendSummary(summary(s, title, p.Axes, entries))
}

func chunkIDs(p matrix.Plan) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range p.ChunkIDs() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(id))
	}
	b.WriteByte(']')
	return b.String()
}

// runOutputBytes is what the chunk jobs' matrix outputs weigh together.
func runOutputBytes(p matrix.Plan) int {
	total := 0
	var buf []byte
	for id := 1; id <= p.Chunks(); id++ {
		c, _ := p.Chunk(id)
		buf = matrix.AppendJSON(buf[:0], c)
		total += len(buf)
	}
	return total
}

// summary is the Markdown table of the builds, one column per axis, cut
// to the room the step summary has left with a note of what it leaves out.
func summary(s Step, title string, axes []string, entries []matrix.Entry) string {
	if s.SummaryPath == "" {
		return ""
	}
	md := title + "\n\n"
	if len(entries) == 0 {
		return md
	}
	header := append([]string{"distribution", "version", "arch", "kernel", "driver"}, axes...)
	header = append(header, "artifact")
	room := s.SummaryRoom() - len(md) - 200 // 200: the note below
	table, shown := CappedTable(header, len(entries), func(i int) []string {
		e := entries[i]
		row := []string{e.Distribution, e.DistroVersion, e.Architecture, "`" + e.KernelRelease + "`", e.DriverVersion}
		for _, a := range e.Axes {
			row = append(row, a.Value)
		}
		return append(row, "`"+e.Artifact+"`")
	}, max(room, 0))
	md += table
	if left := len(entries) - shown; left > 0 {
		note := fmt.Sprintf("%d of %d builds are not shown: the summary is capped at %d bytes (GitHub allows %d per step); the plan or the matrix output lists them all", left, len(entries), SummaryBudget, MaxSummaryBytes)
		md += "\n" + note + "\n"
		s.Warning("step summary: " + note)
	}
	return md + "\n"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
