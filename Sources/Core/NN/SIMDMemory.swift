/// SIMD8 loads and stores through raw pointers, shared by the convolution kernels.

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load8(UnsafePointer(p)) }

@inline(__always) func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

// Lane moves with constant indices, which the compiler turns into shuffles (a variable lane index
// goes through memory).

@inline(__always) func gather8(_ p: UnsafePointer<Float>, _ stride: Int) -> SIMD8<Float> {
    SIMD8(p[0], p[stride], p[2 * stride], p[3 * stride], p[4 * stride], p[5 * stride], p[6 * stride], p[7 * stride])
}

@inline(__always) func scatter8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ stride: Int) {
    p[0] = v[0]; p[stride] = v[1]; p[2 * stride] = v[2]; p[3 * stride] = v[3]
    p[4 * stride] = v[4]; p[5 * stride] = v[5]; p[6 * stride] = v[6]; p[7 * stride] = v[7]
}

/// Four output columns for eight channels: lane l of (v0, v1, v2, v3) is the 4-pixel run of channel l.
@inline(__always) func storeColumns(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ v3: SIMD8<Float>,
                                            to row: UnsafeMutablePointer<Float>, plane: Int) {
    @inline(__always) func put(_ l: Int, _ x: SIMD4<Float>) {
        UnsafeMutableRawPointer(row + l * plane).storeBytes(of: x, as: SIMD4<Float>.self)
    }
    put(0, SIMD4(v0[0], v1[0], v2[0], v3[0])); put(1, SIMD4(v0[1], v1[1], v2[1], v3[1]))
    put(2, SIMD4(v0[2], v1[2], v2[2], v3[2])); put(3, SIMD4(v0[3], v1[3], v2[3], v3[3]))
    put(4, SIMD4(v0[4], v1[4], v2[4], v3[4])); put(5, SIMD4(v0[5], v1[5], v2[5], v3[5]))
    put(6, SIMD4(v0[6], v1[6], v2[6], v3[6])); put(7, SIMD4(v0[7], v1[7], v2[7], v3[7]))
}
