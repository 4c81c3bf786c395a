Route #1: 1 2 999
Cost 10
