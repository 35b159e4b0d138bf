module github.com/eagerml/eager

go 1.24
