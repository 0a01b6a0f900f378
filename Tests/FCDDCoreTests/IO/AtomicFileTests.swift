import XCTest
@testable import FCDDCore

/// The one writer of the library (IO/AtomicFile.swift) and the reader's side of hostile folders: no link
/// planted where a file is written is followed, a write never replaces a file unasked, a killed writer's
/// temporary file is cleaned up, and a FIFO or a link loop under a file's name is an error, not a hang.
final class AtomicFileTests: XCTestCase {
    func read(_ path: String) throws -> String { String(decoding: try readWholeFile(path), as: UTF8.self) }

    func testAWriteLeavesOnlyTheFileAndReplacesAsAsked() throws {
        let dir = makeTestDirectory()
        try writeFileAtomically(Array("one".utf8), to: dir + "/a.json")
        try writeFileAtomically(Array("two".utf8), to: dir + "/a.json")
        XCTAssertEqual(try read(dir + "/a.json"), "two")
        XCTAssertThrowsError(try writeFileAtomically(Array("three".utf8), to: dir + "/a.json", replacing: false)) { error in
            guard case EngineError.exists(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("a.json already exists"), message)
        }
        XCTAssertEqual(try read(dir + "/a.json"), "two", "a refused write leaves the file as it was")
        try writeFileAtomically(Array("new".utf8), to: dir + "/b.json", replacing: false)
        XCTAssertEqual(listDirectory(dir).sorted(), ["a.json", "b.json"], "no temporary file is left behind")
    }

    func testALinkAtTheTargetIsReplacedNotFollowed() throws {
        let dir = makeTestDirectory()
        try writeFileAtomically(Array("precious".utf8), to: dir + "/precious.txt")
        XCTAssertEqual(symlink(dir + "/precious.txt", dir + "/model.fcdd"), 0)
        try writeFileAtomically(Array("model".utf8), to: dir + "/model.fcdd")
        XCTAssertEqual(try read(dir + "/precious.txt"), "precious", "the file the link pointed to is untouched")
        XCTAssertEqual(try read(dir + "/model.fcdd"), "model")
        var st = stat()
        XCTAssertEqual(lstat(dir + "/model.fcdd", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFREG, "the link itself was replaced by the new file")
    }

    func testTemporaryNamesAreFreshAndNeverFollowALink() throws {
        let dir = makeTestDirectory()
        // The former writer used <path>.tmp-<pid>: a link planted there made a save overwrite its target.
        try writeFileAtomically(Array("precious".utf8), to: dir + "/precious.txt")
        XCTAssertEqual(symlink(dir + "/precious.txt", dir + "/snapshot.safetensors.tmp-\(getpid())"), 0)
        let writer = try AtomicFileWriter(path: dir + "/snapshot.safetensors")
        XCTAssertTrue(writer.temporaryPath.hasPrefix(dir + "/.snapshot.safetensors.fcdd-tmp-"), writer.temporaryPath)
        let other = try AtomicFileWriter(path: dir + "/snapshot.safetensors")
        XCTAssertNotEqual(writer.temporaryPath, other.temporaryPath, "each writer has its own temporary file")
        try writer.write(Array("weights".utf8), at: 0)
        try writer.commit()
        XCTAssertEqual(try read(dir + "/precious.txt"), "precious")
        XCTAssertEqual(try read(dir + "/snapshot.safetensors"), "weights")
    }

    func testTheTemporaryFileOfAKilledWriterIsRemovedByTheNextWrite() throws {
        let dir = makeTestDirectory()
        let writer = try AtomicFileWriter(path: dir + "/summary.json")
        try writer.write(Array("half".utf8), at: 0)
        // What a writer killed with SIGKILL leaves: its temporary file, under the pid of a process that is gone.
        let dead = writer.temporaryPath.replacingPid(getpid(), with: deadPid())
        XCTAssertEqual(rename(writer.temporaryPath, dead), 0)
        let live = try AtomicFileWriter(path: dir + "/other.json")   // a writer of this (living) process
        try writeFileAtomically(Array("whole".utf8), to: dir + "/summary.json")
        XCTAssertEqual(listDirectory(dir).filter { $0.hasPrefix(".") }, [live.temporaryPath.split(separator: "/").last.map(String.init)!],
                       "the dead writer's file is gone, the living writer's stays")
        try live.commit()
        XCTAssertEqual(listDirectory(dir).sorted(), ["other.json", "summary.json"])
    }

    func testAFIFOUnderAFilesNameIsAnErrorNotAHang() throws {
        let dir = makeTestDirectory()
        XCTAssertEqual(mkfifo(dir + "/x.png", 0o644), 0)
        XCTAssertThrowsError(try readWholeFile(dir + "/x.png")) { error in
            XCTAssertEqual(error as? EngineError, .io("\(dir)/x.png: not a regular file (a FIFO); only regular files are read"))
        }
        XCTAssertThrowsError(try readImageFile(path: dir + "/x.png"))
        // A link loop is reported for the file too.
        XCTAssertEqual(symlink(dir + "/loop.png", dir + "/loop.png"), 0)
        XCTAssertThrowsError(try readWholeFile(dir + "/loop.png")) { error in
            guard case EngineError.io(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("loop.png: cannot open"), message)
        }
    }

    func testALogDoesNotFollowALinkPlantedAtItsName() throws {
        let dir = makeTestDirectory()
        try writeFileAtomically(Array("precious".utf8), to: dir + "/precious.txt")
        XCTAssertEqual(symlink(dir + "/precious.txt", dir + "/log.txt"), 0)
        XCTAssertThrowsError(try appendToFile("line\n", path: dir + "/log.txt")) { error in
            XCTAssertEqual(error as? EngineError, .io("\(dir)/log.txt: cannot open for appending (it is a symbolic link)"))
        }
        XCTAssertEqual(try read(dir + "/precious.txt"), "precious")
    }

    /// A pid no process has now (pids are below /proc/sys/kernel/pid_max, at most 2^22).
    private func deadPid() -> Int32 {
        var pid: Int32 = 4_194_000
        while kill(pid, 0) == 0 || errno != ESRCH { pid -= 1 }
        return pid
    }
}

private extension String {
    func replacingPid(_ pid: Int32, with other: Int32) -> String {
        let marker = "-\(pid)-"
        var parts = self.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name = parts.removeLast()
        guard let range = name.utf8.indices.first(where: { name[$0...].hasPrefix(marker) }) else { return self }
        let replaced = String(name[..<range]) + "-\(other)-" + String(name[range...].dropFirst(marker.count))
        return (parts + [replaced]).joined(separator: "/")
    }
}
