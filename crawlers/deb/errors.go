package deb

import (
	"errors"
	"fmt"
	"time"
)

// ParseError reports malformed Release or Packages text, at "name:line: msg".
type ParseError struct {
	Name string // URL or file the text came from
	Line int    // 1-based
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg)
}

// Reasons a SignatureError wraps; branch on them with errors.Is.
var (
	// ErrNotClearsigned: the data is not one well-formed clearsigned OpenPGP message.
	ErrNotClearsigned = errors.New("not a clearsigned OpenPGP message")
	// ErrUnsignedData: bytes before or after the clearsigned message, which the signature
	// does not cover (apt refuses such files too).
	ErrUnsignedData = errors.New("data outside the signed message")
	// ErrUnknownKey: no signature was made by a key in the keyring.
	ErrUnknownKey = errors.New("no signature by a key in the keyring")
	// ErrBadSignature: a signature by a known key did not verify (tampered text, expired
	// or revoked key, malformed packet). The go-crypto error is wrapped too.
	ErrBadSignature = errors.New("signature does not verify")
)

// SignatureError reports an InRelease file that failed verification.
type SignatureError struct {
	Name   string // URL or file
	Reason string // human detail, e.g. the issuer key IDs seen
	Err    error  // one of ErrNotClearsigned, ErrUnsignedData, ErrUnknownKey, ErrBadSignature (possibly joined with go-crypto's error)
}

func (e *SignatureError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("%s: InRelease signature: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("%s: InRelease signature: %v: %s", e.Name, e.Err, e.Reason)
}

func (e *SignatureError) Unwrap() error { return e.Err }

// ExpiredError reports a Release whose Valid-Until has passed: the mirror is stale (or
// replaying an old, validly signed Release), so its indices must not be trusted.
type ExpiredError struct {
	Name       string
	ValidUntil time.Time
	Now        time.Time
}

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("%s: Release expired: Valid-Until %s is before now (%s)",
		e.Name, e.ValidUntil.UTC().Format(time.RFC1123), e.Now.UTC().Format(time.RFC1123))
}

// IndexNotFoundError reports that a Release lists no Packages file for a component and
// architecture (the suite does not carry that architecture, or the component is wrong).
type IndexNotFoundError struct {
	Name      string // the Release's URL or file
	Component string
	Arch      string
}

func (e *IndexNotFoundError) Error() string {
	return fmt.Sprintf("%s: no Packages index listed for component %q, architecture %q", e.Name, e.Component, e.Arch)
}
