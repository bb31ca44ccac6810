package main

func note(msg string) {}

func compute(x int) int { return x * 2 }

func makeCounter() func() int {
	n := 0
	return func() int {
		n++
		note("inc")
		return n
	}
}

func main() {
	c := makeCounter()
	c()
	f := func(x int) int { return compute(x) }
	f(2)
	func() { note("now") }()
}
