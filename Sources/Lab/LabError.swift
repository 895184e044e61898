import Core

/// Lab's name for Core's `UserError`: a message and a hint, printed as one line each.
public typealias LabError = UserError
