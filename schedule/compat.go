package schedule

import (
	"context"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/matrix"
	"github.com/matrixgen/matrixgen/output"
)

// Compat prints the compatibility document of the kernels sources load
// (the same set Run schedules) for driverVersion, with one list per axis
// (NAME=v1,v2). driverGiven says the caller gave driverVersion, so an
// empty one is refused rather than taken as none; bad values are usage
// errors. Skipped input entries make it partial (3).
func Compat(ctx context.Context, ios IO, sources Sources, driverVersion string, driverGiven bool, axisValues []string) error {
	axes, err := ParseAxes(axisValues)
	if err != nil {
		return err
	}
	if err := matrix.ValidateCompat(driverVersion, driverGiven, axes); err != nil {
		return matrixgen.Exit(matrixgen.ExitUsage, err)
	}
	kernels, partial, err := sources.Load(ctx, ios.In, ios.ErrOut)
	if err != nil {
		return err
	}
	out, err := matrix.NewCompat(kernels, driverVersion, axes).MarshalJSON()
	if err == nil {
		err = output.WriteJSONLine(ios.Out, out, ios.OutTTY)
	}
	if err == nil && partial {
		return matrixgen.Exit(matrixgen.ExitPartial, nil)
	}
	return err
}
