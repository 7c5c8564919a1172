// Package output renders command results in the formats users pick (an
// aligned text table, JSON) behind one Handler interface.
package output
