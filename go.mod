module github.com/matrixgen/matrixgen

go 1.26.8

require (
	github.com/ProtonMail/go-crypto v1.4.1
	github.com/klauspost/compress v1.20.3
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/spf13/cobra v1.10.2
	github.com/ulikunitz/xz v0.5.17
	golang.org/x/sync v0.24.0
	golang.org/x/term v0.44.0
	golang.org/x/text v0.31.0
	pault.ag/go/debian v0.21.0
)

require (
	github.com/cloudflare/circl v1.6.2 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	golang.org/x/crypto v0.44.0 // indirect
	golang.org/x/sys v0.46.0 // indirect
)
