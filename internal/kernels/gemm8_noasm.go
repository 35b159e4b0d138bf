//go:build !amd64 || purego

package kernels

// gemmShortF32 has no portable version: GemmSerialShort runs GemmSerial.
var gemmShortF32 *gemmConfig[float32]
