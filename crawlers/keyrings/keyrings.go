// Package keyrings embeds the Debian and Ubuntu archive keyrings that
// verify InRelease files by default (--keyring replaces them).
//
// debian-archive-keyring.gpg is Debian's archive keyring; ubuntu-archive-keyring.gpg
// is from Ubuntu's ubuntu-keyring 2023.11.28.1 package. Refresh them from
// those packages when the archives rotate keys.
package keyrings

import (
	"bytes"
	_ "embed"

	"github.com/ProtonMail/go-crypto/openpgp"
)

//go:embed debian-archive-keyring.gpg
var debian []byte

//go:embed ubuntu-archive-keyring.gpg
var ubuntu []byte

// Debian returns the embedded Debian archive keyring.
func Debian() (openpgp.EntityList, error) { return openpgp.ReadKeyRing(bytes.NewReader(debian)) }

// Ubuntu returns the embedded Ubuntu archive keyring.
func Ubuntu() (openpgp.EntityList, error) { return openpgp.ReadKeyRing(bytes.NewReader(ubuntu)) }
