package resolve

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// NEVRA is an RPM's identity as its header states it.
type NEVRA struct {
	Name, Epoch, Version, Release, Arch string // Epoch "" when the header has none
}

func (n NEVRA) String() string {
	e := ""
	if n.Epoch != "" && n.Epoch != "0" {
		e = n.Epoch + ":"
	}
	return fmt.Sprintf("%s-%s%s-%s.%s", n.Name, e, n.Version, n.Release, n.Arch)
}

// ReadAt hands the header reader the bytes [off, off+n) of an RPM. The reader asks for
// increasing offsets only and never past the end of the main header, so an implementation
// over HTTP Range requests transfers no payload byte.
type ReadAt func(off, n int64) ([]byte, error)

// The RPM file format (rpm's lib/header.c, doc/manual/format): a 96-byte lead, the
// signature header padded to 8 bytes, then the main header; each header is a 16-byte
// intro (magic, reserved, index count, data size), 16-byte index entries (tag, type,
// offset, count) and the data store.
const (
	leadSize   = 96
	introSize  = 16
	entrySize  = 16
	tagName    = 1000
	tagVersion = 1001
	tagRelease = 1002
	tagEpoch   = 1003
	tagArch    = 1022
	typeInt32  = 4
	typeString = 6
	// rpm's own limits (hdrchk): at most 0xffff index entries, a data store of at
	// most 256 MiB.
	maxEntries = 0xffff
	maxData    = 256 << 20
	// strSlack is read past the last wanted string's offset: the strings are short.
	strSlack = 1024
)

var (
	leadMagic   = []byte{0xed, 0xab, 0xee, 0xdb}
	headerMagic = []byte{0x8e, 0xad, 0xe8, 0x01}
)

// ReadNEVRA reads the lead, the signature header's intro and the main header's index and
// the start of its data store: only as far as NAME, EPOCH, VERSION, RELEASE and ARCH.
// It returns the NEVRA and the offset where the main header ends (the payload's start).
func ReadNEVRA(read ReadAt) (NEVRA, int64, error) {
	head, err := read(0, leadSize+introSize)
	if err != nil {
		return NEVRA{}, 0, err
	}
	if !bytes.Equal(head[:4], leadMagic) {
		return NEVRA{}, 0, fmt.Errorf("not an RPM: lead magic % x", head[:4])
	}
	sigN, sigSize, err := intro(head[leadSize:], "signature")
	if err != nil {
		return NEVRA{}, 0, err
	}
	mainOff := int64(leadSize) + introSize + int64(sigN)*entrySize + int64(sigSize)
	mainOff += (8 - mainOff%8) % 8 // the signature header is padded to 8 bytes
	b, err := read(mainOff, introSize)
	if err != nil {
		return NEVRA{}, 0, err
	}
	n, size, err := intro(b, "main")
	if err != nil {
		return NEVRA{}, 0, err
	}
	dataOff := mainOff + introSize + int64(n)*entrySize
	end := dataOff + int64(size)
	index, err := read(mainOff+introSize, int64(n)*entrySize)
	if err != nil {
		return NEVRA{}, 0, err
	}
	type want struct {
		typ uint32
		off int64
	}
	found := map[uint32]want{}
	for i := 0; i < int(n); i++ {
		e := index[i*entrySize:]
		tag := binary.BigEndian.Uint32(e)
		switch tag {
		case tagName, tagVersion, tagRelease, tagEpoch, tagArch:
			off := int64(binary.BigEndian.Uint32(e[8:]))
			if off >= int64(size) {
				return NEVRA{}, 0, fmt.Errorf("main header: tag %d at offset %d, past the data store's %d bytes", tag, off, size)
			}
			found[tag] = want{typ: binary.BigEndian.Uint32(e[4:]), off: off}
		}
	}
	for _, t := range []uint32{tagName, tagVersion, tagRelease, tagArch} {
		if _, ok := found[t]; !ok {
			return NEVRA{}, 0, fmt.Errorf("main header: no tag %d", t)
		}
	}
	lo, hi := int64(size), int64(0)
	for _, w := range found {
		lo, hi = min(lo, w.off), max(hi, w.off)
	}
	// One read covers every wanted value; a string running past it extends the read, never
	// past the header's end.
	got := lo
	data, err := read(dataOff+lo, min(hi-lo+strSlack, int64(size)-lo))
	if err != nil {
		return NEVRA{}, 0, err
	}
	got += int64(len(data))
	value := func(tag uint32) (string, error) {
		w, ok := found[tag]
		if !ok {
			return "", nil
		}
		for {
			rel := w.off - lo
			switch w.typ {
			case typeInt32:
				if rel+4 <= int64(len(data)) {
					return strconv.FormatUint(uint64(binary.BigEndian.Uint32(data[rel:])), 10), nil
				}
			case typeString:
				if i := bytes.IndexByte(data[rel:], 0); i >= 0 {
					return string(data[rel : rel+int64(i)]), nil
				}
			default:
				return "", fmt.Errorf("main header: tag %d has type %d, want a string or int32", tag, w.typ)
			}
			if got >= int64(size) {
				return "", fmt.Errorf("main header: tag %d runs past the data store", tag)
			}
			more, err := read(dataOff+got, min(int64(64<<10), int64(size)-got))
			if err != nil {
				return "", err
			}
			data = append(data, more...)
			got += int64(len(more))
		}
	}
	var nv NEVRA
	for _, f := range []struct {
		tag uint32
		dst *string
	}{{tagName, &nv.Name}, {tagEpoch, &nv.Epoch}, {tagVersion, &nv.Version}, {tagRelease, &nv.Release}, {tagArch, &nv.Arch}} {
		v, err := value(f.tag)
		if err != nil {
			return NEVRA{}, 0, err
		}
		*f.dst = v
	}
	return nv, end, nil
}

func intro(b []byte, which string) (uint32, uint32, error) {
	if len(b) < introSize || !bytes.Equal(b[:4], headerMagic) {
		return 0, 0, fmt.Errorf("%s header: bad magic", which)
	}
	n, size := binary.BigEndian.Uint32(b[8:]), binary.BigEndian.Uint32(b[12:])
	if n == 0 || n > maxEntries || size > maxData {
		return 0, 0, fmt.Errorf("%s header: %d entries, %d data bytes: over rpm's limits", which, n, size)
	}
	return n, size, nil
}

// errShort is a source that ended before the bytes asked for.
var errShort = errors.New("file ends inside the RPM header")
