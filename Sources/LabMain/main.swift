import Lab

LabCommand.main()
