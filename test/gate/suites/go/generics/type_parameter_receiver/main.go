package main

type Saver interface{ Save() }

type A struct{}

func (a A) Save() {}

type B struct{}

func (b *B) Save() {}

// Save with a parameter: cannot satisfy Saver
type C struct{}

func (c C) Save(x int) {}

func SaveAll[T Saver](xs []T) {
	for _, x := range xs {
		x.Save()
	}
}

func main() { SaveAll([]A{{}}) }
