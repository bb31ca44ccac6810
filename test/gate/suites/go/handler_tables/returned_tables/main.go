package main

type Fee func(int) int

type Book struct{ fee Fee }

var registry = map[string]Fee{}

func card(x int) int { return x * 2 }

func wire(x int) int { return x * 3 }

func loan(x int) int { return x + 1 }

func kept(x int) int { return x }

func table() map[string]Fee {
	m := map[string]Fee{}
	m["card"] = card
	return m
}

func process(hs map[string]Fee, k string, x int) int { return hs[k](x) }

func charge(k string, x int) int { return table()[k](x) }

func (b Book) pay(x int) int { return b.fee(x) }

func register() {
	p := &registry
	(*p)["kept"] = kept
}

func lookup(k string, x int) int { return registry[k](x) }

func main() {
	charge("card", 1)
	process(map[string]Fee{"wire": wire}, "wire", 2)
	Book{loan}.pay(3)
	register()
	lookup("kept", 4)
}
