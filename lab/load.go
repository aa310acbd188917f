package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// Load reads and validates a lab file.
func Load(path string) (*Lab, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// maxFileSize bounds a lab file.
const maxFileSize = 4 << 20

// Parse parses and validates a lab; name is the file name used in error
// messages. Every problem is reported with its line and column, as an
// ErrorList.
func Parse(name string, data []byte) (*Lab, error) {
	d := &decoder{file: name}
	if len(data) > maxFileSize {
		return nil, ErrorList{{File: name, Msg: fmt.Sprintf("file too large (%d bytes, max %d)", len(data), maxFileSize)}}
	}
	root := d.parseYAML(data)
	if root == nil {
		return nil, d.errs
	}
	l := &Lab{File: name}
	d.decode(root, reflect.ValueOf(l).Elem())
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	d.validate(l, root)
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	if l.Name == "" {
		l.Name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	if l.Seed == 0 {
		l.Seed = DefaultSeed
	}
	return l, nil
}

// IsLoadError reports whether err is a problem in the lab file (as opposed
// to a failure to read it).
func IsLoadError(err error) bool {
	var l ErrorList
	return errors.As(err, &l)
}
