Route #1: 1 2 3 0 4 5
Route #2: 6 7 8 9 10
Cost 800.5
