package main

type Repo struct{}

func (r *Repo) Save() {}

type Cache struct{}

func (c *Cache) Save() {}

func NewRepo() *Repo { return &Repo{} }

func Open() (*Repo, error) { return &Repo{}, nil }

func main() {
	r := NewRepo()
	r.Save()
	r2, err := Open()
	if err != nil {
		return
	}
	r2.Save()
	var r3 Repo
	r3.Save()
	r4 := new(Cache)
	r4.Save()
}
