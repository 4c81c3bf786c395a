Route #1: 1 2 3 4
Route #2: 5 6 7
Route #3: 8 9 10
Cost 3000
