package main

import (
	"example.com/x/pay"
	"example.com/x/store"
)

func main() {
	var g pay.Gateway = &store.Card{}
	g.Charge(10)
}
