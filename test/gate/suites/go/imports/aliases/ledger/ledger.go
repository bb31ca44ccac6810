package ledger

import "example.com/x/util"

type Book struct{}

func NewBook() *Book { return &Book{} }

func (b *Book) Close() {}

func Post(x int) { util.Round(x) }
