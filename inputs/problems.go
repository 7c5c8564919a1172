package inputs

import (
	"errors"
	"fmt"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/jsonpos"
)

// ProblemGroup is the problems of one distribution key that share a reason:
// reading a Falco file with hundreds of Flatcar entries gives one line.
type ProblemGroup struct {
	Key    string
	Reason string
	Count  int
	First  *jsonpos.Error
}

func (g ProblemGroup) String() string {
	if g.Count == 1 {
		return g.First.Error()
	}
	return fmt.Sprintf("%s: %d entries under %q: %s (first at %s:%d:%d)", g.First.File, g.Count, g.Key, g.Reason, g.First.File, g.First.Line, g.First.Col)
}

// GroupProblems groups problems by key and reason, in order of first
// appearance. The reason of a refusal to derive or of an unknown target is
// its rule, without the entry's own release, so like entries group.
func GroupProblems(probs []*jsonpos.Error) []ProblemGroup {
	var out []ProblemGroup
	index := map[[2]string]int{}
	for _, p := range probs {
		key, reason := "", p.Err.Error()
		var ke *KeyError
		if errors.As(p.Err, &ke) {
			key, reason = ke.Key, ke.Err.Error()
		}
		var ue *matrixgen.UnderivableError
		var ie *matrixgen.InvalidError
		switch {
		case errors.As(p.Err, &ue):
			reason = "underivable: " + ue.Reason
		case errors.As(p.Err, &ie) && (ie.Field == "target" || ie.Field == "kernelrelease"):
			reason = "invalid " + ie.Field + ": " + ie.Reason
		}
		k := [2]string{key, reason}
		if i, ok := index[k]; ok {
			out[i].Count++
			continue
		}
		index[k] = len(out)
		out = append(out, ProblemGroup{Key: key, Reason: reason, Count: 1, First: p})
	}
	return out
}
