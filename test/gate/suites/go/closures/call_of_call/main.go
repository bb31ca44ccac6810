package main

type Acc struct{}

func (a *Acc) Add(x int) int { return x }

func makeAdder(a *Acc) func(int) int {
	return func(x int) int { return a.Add(x) }
}

func factory() func() *Acc {
	return func() *Acc { return &Acc{} }
}

func main() {
	makeAdder(&Acc{})(2)
	factory()().Add(1)
}
