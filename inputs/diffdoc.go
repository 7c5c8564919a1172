package inputs

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/output"
)

// DiffAdded reads the kernels `matrixgen diff --json` lists as added, each
// through the domain's consistency rule. isDiff is false when data is not
// a diff document (it has no "added" list): then it is another format.
func DiffAdded(data []byte, name string) (kernels []matrixgen.Kernel, isDiff bool, err error) {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil || probe["added"] == nil {
		return nil, false, nil
	}
	var doc output.DiffDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, true, fmt.Errorf("%s: diff --json output: %w", name, err)
	}
	for i, e := range doc.Added {
		arch, err := matrixgen.ParseArch(e.Arch)
		if err != nil {
			return nil, true, fmt.Errorf("%s: added[%d]: %w", name, i, err)
		}
		target := matrixgen.FlavorTarget(e.Distribution, e.Flavor)
		k, err := matrixgen.Make(matrixgen.Spec{Target: target, Arch: arch, Release: e.KernelRelease, DistroVersion: e.DistroVersion})
		if err != nil {
			return nil, true, fmt.Errorf("%s: added[%d]: %w", name, i, err)
		}
		kernels = append(kernels, k)
	}
	return kernels, true, nil
}
