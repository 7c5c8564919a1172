package crawlers

import (
	"errors"
	"slices"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

func TestWritable(t *testing.T) {
	fresh := matrixgen.Kernel{Distribution: "debian", Arch: matrixgen.X86_64, Release: "6.1.0-28-amd64", DistroVersion: "12"}
	carried := matrixgen.Kernel{Distribution: "debian", Arch: matrixgen.AArch64, Release: "6.1.0-28-arm64", DistroVersion: "12", CarriedOver: true}
	fail := func(a matrixgen.Arch) Failure {
		return Failure{Job: source.JobInfo{Distro: "debian", Arch: a}, Err: errors.New("down")}
	}
	all := []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64, matrixgen.RISCV64}
	rep := &Report{Kernels: []matrixgen.Kernel{fresh, carried}, Failures: []Failure{fail(matrixgen.X86_64), fail(matrixgen.AArch64)}}
	write, keep := rep.Writable(all)
	// x86_64 failed but saw a kernel; aarch64 failed and only carried one
	// over; riscv64 had no failure (and no kernel): it is written, empty.
	if !slices.Equal(write, []matrixgen.Arch{matrixgen.X86_64, matrixgen.RISCV64}) || !slices.Equal(keep, []matrixgen.Arch{matrixgen.AArch64}) {
		t.Errorf("Writable = %v, keep %v", write, keep)
	}
}
