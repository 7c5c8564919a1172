package crawlers

import "github.com/matrixgen/matrixgen"

// Writable splits arches into those whose output may be written and those
// to keep as they are: an arch that had failed sources and no kernel seen
// in this run (carried-over ones do not count). Every source that could say
// anything about it failed, and writing would replace a good file with an
// empty one, or one only restating it, because mirrors were down.
func (r *Report) Writable(arches []matrixgen.Arch) (write, keep []matrixgen.Arch) {
	failed := map[matrixgen.Arch]bool{}
	for _, f := range r.Failures {
		failed[f.Job.Arch] = true
	}
	fresh := map[matrixgen.Arch]bool{}
	for _, k := range r.Kernels {
		if !k.CarriedOver {
			fresh[k.Arch] = true
		}
	}
	for _, a := range arches {
		if failed[a] && !fresh[a] {
			keep = append(keep, a)
			continue
		}
		write = append(write, a)
	}
	return write, keep
}
