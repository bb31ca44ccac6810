package main

import (
	"bytes"
	"strings"
)

// methods named like the standard library's: calls on strings.Builder / bytes.Buffer never reach them
type Builder struct{}

func (b *Builder) String() string { return "" }

func (b *Builder) WriteString(s string) {}

func main() {
	var sb strings.Builder
	sb.WriteString("x")
	_ = sb.String()
	buf := bytes.NewBufferString("y")
	buf.String()
	strings.ToUpper("a")
}
