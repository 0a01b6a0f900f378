import torch, numpy as np
def pattern(c,h,w):
    a=np.zeros((c,h,w),dtype=np.uint8)
    for k in range(c):
        for y in range(h):
            for x in range(w):
                a[k,y,x]=(y*31+x*17+k*67+(x*y)%13)%256
    return a
a=torch.from_numpy(pattern(3,7,9))
r=torch.nn.functional.interpolate(a[None].float(),size=(5,4),mode='nearest')[0].byte()
print("    static let nearestTorch5x4: [UInt8] = [" + ", ".join(str(int(v)) for v in r.flatten()) + "]")
r=torch.nn.functional.interpolate(a[None].float(),size=(11,13),mode='nearest')[0].byte()
print("    static let nearestTorch11x13: [UInt8] = [" + ", ".join(str(int(v)) for v in r.flatten()) + "]")
for (i,o) in [(1024,240),(700,240),(333,240),(240,224),(900,240)]:
    x=torch.arange(i).float()[None,None,None,:]
    idx=torch.nn.functional.interpolate(x,size=(1,o),mode='nearest')[0,0,0].long()
    print(f"    // {i}->{o}: sum {int(idx.sum())}")
    print(f"    static let torchIdx{i}to{o}Sum = {int(idx.sum())}")
