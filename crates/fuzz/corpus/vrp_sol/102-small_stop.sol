Route #1: 3 4 5 6 1 7 8
Route #2: 9 10 11 12 13 2
Cost 100
