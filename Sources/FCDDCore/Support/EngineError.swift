/// Errors for bad user input and I/O. Internal invariants use `precondition` instead; nothing a user
/// passes in may reach a trap, because a trap inside the shared library kills the host process.
public enum EngineError: Error, Equatable, CustomStringConvertible {
    /// An argument has a wrong value (unknown name, negative size, NaN, ...).
    case invalidArgument(String)
    /// A tensor has the wrong shape for the operation.
    case shapeMismatch(String)
    /// A named thing (parameter, tensor, file) does not exist.
    case notFound(String)
    /// Reading or writing a file failed.
    case io(String)
    /// A file exists but its content is malformed.
    case format(String)
    /// The call is not valid in the current state (e.g. a step before any gradient).
    case state(String)
    /// Memory for the call cannot be allocated (a size too large for this machine).
    case outOfMemory(String)
    /// A file the call would write already exists, and replacing it was not asked for.
    case exists(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m), .shapeMismatch(let m), .notFound(let m),
             .io(let m), .format(let m), .state(let m), .outOfMemory(let m), .exists(let m):
            return m
        }
    }
}
