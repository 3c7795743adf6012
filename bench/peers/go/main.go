// Codec benchmark peer: franz-go's kmsg decoding (ReadFrom) and re-encoding (AppendTo) the
// same message bodies our codec gets. Prints one JSON line per input.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

type input struct {
	Name     string `json:"name"`
	APIKey   int16  `json:"apiKey"`
	Version  int16  `json:"version"`
	Response bool   `json:"response"`
	File     string `json:"file"`
}

type codec interface {
	SetVersion(int16)
	ReadFrom([]byte) error
	AppendTo([]byte) []byte
}

func fresh(in input) codec {
	var m codec
	if in.Response {
		m = kmsg.ResponseForKey(in.APIKey)
	} else {
		m = kmsg.RequestForKey(in.APIKey)
	}
	m.SetVersion(in.Version)
	return m
}

// run repeats f until at least minTime has passed and returns the seconds per call.
func run(minTime time.Duration, f func()) float64 {
	n := 1
	for {
		start := time.Now()
		for i := 0; i < n; i++ {
			f()
		}
		el := time.Since(start)
		if el >= minTime {
			return el.Seconds() / float64(n)
		}
		n *= 2
	}
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var inputs []input
	if err := json.Unmarshal(raw, &inputs); err != nil {
		panic(err)
	}
	for _, in := range inputs {
		body, err := os.ReadFile(in.File)
		if err != nil {
			panic(err)
		}
		check := fresh(in)
		if err := check.ReadFrom(body); err != nil {
			panic(fmt.Sprintf("%s: %v", in.Name, err))
		}
		identical := bytes.Equal(check.AppendTo(nil), body)
		out := make([]byte, 0, len(body))
		decode := run(time.Second, func() {
			m := fresh(in)
			if err := m.ReadFrom(body); err != nil {
				panic(err)
			}
		})
		both := run(time.Second, func() {
			m := fresh(in)
			if err := m.ReadFrom(body); err != nil {
				panic(err)
			}
			out = m.AppendTo(out[:0])
		})
		line, _ := json.Marshal(map[string]any{"name": in.Name, "decodeSec": decode, "roundTripSec": both, "bytes": len(body), "identical": identical})
		fmt.Println(string(line))
	}
}
