package kernelsfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
)

func TestAddTo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kernels.json")
	k, err := matrixgen.Make(matrixgen.Spec{Target: "debian", Arch: matrixgen.X86_64, Release: "6.12.95+deb12-amd64"})
	if err != nil {
		t.Fatal(err)
	}
	added, err := AddTo(context.Background(), path, k)
	if err != nil || !added {
		t.Fatalf("a missing file: added %v, %v", added, err)
	}
	got, err := Read(path)
	if err != nil || len(got) != 1 || got[0].Key() != k.Key() {
		t.Fatalf("the file holds %v (%v)", got, err)
	}
	before, _ := os.Stat(path)
	past := before.ModTime().Add(-time.Hour)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
	added, err = AddTo(context.Background(), path, k)
	after, _ := os.Stat(path)
	if err != nil || added || !after.ModTime().Equal(past) {
		t.Errorf("the kernel again: added %v, %v; file rewritten: %v", added, err, !after.ModTime().Equal(past))
	}
}

// TestAddToRefusesPaths: no file to update in place is a usage error
// naming the option, and nothing is created.
func TestAddToRefusesPaths(t *testing.T) {
	k, err := matrixgen.Make(matrixgen.Spec{Target: "debian", Arch: matrixgen.X86_64, Release: "6.12.95+deb12-amd64"})
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	for _, path := range []string{"", "-"} {
		var ue *matrixgen.UsageError
		if _, err := AddTo(context.Background(), path, k); !errors.As(err, &ue) || ue.Option != "kernels" {
			t.Errorf("AddTo(%q) = %v, want a usage error naming kernels", path, err)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("created %v", entries)
	}
}
