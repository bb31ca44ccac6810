package main

type Adder struct{ n int }

func (a Adder) Clamp(x int) int { return x + a.n }

func (a Adder) Scale(x int) int { return x * a.n }

type Other struct{}

func (o Other) Clamp(x int) int { return x }

func apply(d int, f func(int) int) int { return f(d) }

func main() {
	a := Adder{n: 2}
	f := a.Clamp
	f(3)
	apply(1, a.Scale)
}
