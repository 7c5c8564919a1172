package distros

import "github.com/matrixgen/matrixgen"
import "github.com/matrixgen/matrixgen/crawlers/rpm"

// AlmaLinux is AlmaLinux 8, 9 and 10, laid out as Rocky; --vault adds the
// minor releases its vault lists.
func AlmaLinux() *rpm.Distribution {
	return elClone(entry(matrixgen.AlmaLinux))
}
