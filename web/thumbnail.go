package web

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // photos may be GIFs
	"image/jpeg"
	_ "image/png" // screenshots and scans are often PNGs
	"io"
	"os"
	"path/filepath"
)

// Thumbnails: the long side in pixels, and the largest photo decoded to
// make one. A phone's photo is 12–50 megapixels; decoding a bigger one
// (or a small file claiming to be huge) would take the server's memory.
const (
	thumbSize      = 320
	maxThumbPixels = 50_000_000
)

// errNoThumbnail is a file no thumbnail is made of: not a JPEG, PNG or
// GIF, or too large.
var errNoThumbnail = errors.New("no thumbnail for this file")

// thumbnailing bounds the thumbnails made at once in this process: a case
// page of twenty new photos must not decode twenty at a time.
var thumbnailing = make(chan struct{}, 2)

// thumbnailable reports whether a thumbnail can be made of a file of the
// sniffed type (the standard library's decoders).
func thumbnailable(sniffed string) bool {
	return sniffed == "image/jpeg" || sniffed == "image/png" || sniffed == "image/gif"
}

// open opens a kept file by its hash.
func (e *evidenceFiles) open(sum string) (*os.File, error) {
	if !validHash(sum) {
		return nil, os.ErrNotExist
	}
	return os.Open(filepath.Join(e.dir, sum))
}

// sniff tells what a kept file is from its first bytes.
func (e *evidenceFiles) sniff(sum string) (string, error) {
	f, err := e.open(sum)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return sniffFile(f)
}

// thumbnail opens the thumbnail of a kept photo, making it first if there
// is none: a JPEG beside the file, named by its hash, written whole under
// a temporary name and then renamed, so a reader never sees half of one.
func (e *evidenceFiles) thumbnail(sum string) (*os.File, error) {
	if !validHash(sum) {
		return nil, os.ErrNotExist
	}
	path := filepath.Join(e.dir, sum+".thumb.jpg")
	if f, err := os.Open(path); err == nil {
		return f, nil
	}
	thumbnailing <- struct{}{}
	defer func() { <-thumbnailing }()
	if f, err := os.Open(path); err == nil { // made while this one waited
		return f, nil
	}
	src, err := e.open(sum)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	b, err := makeThumbnail(src, thumbSize)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(e.dir, ".thumb-*")
	if err != nil {
		return nil, err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return nil, err
	}
	return os.Open(path)
}

// makeThumbnail makes a JPEG of at most size pixels on its long side from
// a JPEG, PNG or GIF, turned upright as a JPEG's EXIF orientation says
// (phones store photos as the sensor saw them and say how to turn them).
func makeThumbnail(r io.ReadSeeker, size int) ([]byte, error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoThumbnail, err)
	}
	if format != "jpeg" && format != "png" && format != "gif" {
		return nil, errNoThumbnail
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxThumbPixels {
		return nil, fmt.Errorf("%w: %d×%d pixels", errNoThumbnail, cfg.Width, cfg.Height)
	}
	orientation := 1
	if format == "jpeg" {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		orientation = exifOrientation(r)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoThumbnail, err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, orient(shrink(img, size), orientation), &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// shrink scales an image down to at most size pixels on its long side.
// Each pixel of the result averages a grid of up to 4×4 points spread
// over the area it stands for, which keeps fine detail from aliasing
// without a resampling library; what is transparent becomes white, as a
// JPEG has no transparency.
func shrink(src image.Image, size int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if long := max(w, h); long > size {
		dw, dh = max(1, w*size/long), max(1, h*size/long)
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	const grid = 4
	for y := range dh {
		y0, y1 := b.Min.Y+y*h/dh, b.Min.Y+max((y+1)*h/dh, y*h/dh+1)
		sy := max(1, (y1-y0)/grid)
		for x := range dw {
			x0, x1 := b.Min.X+x*w/dw, b.Min.X+max((x+1)*w/dw, x*w/dw+1)
			sx := max(1, (x1-x0)/grid)
			var r, g, bl, n uint64
			for py := y0; py < y1; py += sy {
				for px := x0; px < x1; px += sx {
					cr, cg, cb, ca := src.At(px, py).RGBA()
					white := uint64(0xffff - ca) // premultiplied: over white
					r, g, bl, n = r+uint64(cr)+white, g+uint64(cg)+white, bl+uint64(cb)+white, n+1
				}
			}
			dst.SetRGBA(x, y, color.RGBA{uint8(r / n >> 8), uint8(g / n >> 8), uint8(bl / n >> 8), 0xff})
		}
	}
	return dst
}

// orient turns an image upright by its EXIF orientation (1–8: as stored,
// mirrored, turned 180°, flipped, transposed, turned 90° clockwise,
// transversed, turned 90° anticlockwise).
func orient(src *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch orientation {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			dst.SetRGBA(x, y, src.RGBAAt(sx, sy))
		}
	}
	return dst
}

// exifOrientation reads the orientation tag (0x0112) of a JPEG's EXIF
// segment; 1 (as stored) when there is none or it cannot be read.
func exifOrientation(r io.Reader) int {
	br := bufio.NewReader(r)
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return 1
	}
	for range 32 { // the EXIF segment comes first; give up after a few
		var hdr [4]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil || hdr[0] != 0xff {
			return 1
		}
		marker, n := hdr[1], int(binary.BigEndian.Uint16(hdr[2:]))-2
		if marker == 0xda || marker == 0xd9 || n < 0 { // image data: no EXIF before it
			return 1
		}
		if marker != 0xe1 {
			if _, err := br.Discard(n); err != nil {
				return 1
			}
			continue
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(br, seg); err != nil {
			return 1
		}
		if o := tiffOrientation(seg); o > 0 {
			return o
		}
	}
	return 1
}

// tiffOrientation finds the orientation in an APP1 segment's "Exif" TIFF
// structure (its first directory); 0 when it is not there.
func tiffOrientation(seg []byte) int {
	if len(seg) < 14 || string(seg[:6]) != "Exif\x00\x00" {
		return 0
	}
	t := seg[6:]
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > len(t) {
		return 0
	}
	count := int(bo.Uint16(t[off:]))
	for i := range count {
		e := off + 2 + 12*i
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 0
		}
	}
	return 0
}
