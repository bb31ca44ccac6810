package main

import (
	led "example.com/x/ledger"
	"example.com/x/util"
)

func main() {
	led.Post(1)
	util.Round(2)
	b := led.NewBook()
	b.Close()
}
